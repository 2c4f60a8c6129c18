/**
 * One entity of a supervised run during one attempt: its Entity envelope,
 * its live state (a reducer's value or a machine actor) and the two things
 * the run does with it per message: save when a savepoint is due, handle.
 *
 * @packageDocumentation
 */
import { createActor, type AnyActor, type EventObject } from 'xstate';
import { RunStateError, ensureError } from '../../errors.js';
import type { Entity } from '../entity.js';
import { refusingClock } from './run-machine-timers.js';
import type {
  EntityContext,
  MachineEntity,
  Reducer,
  RunMessage,
} from './run-types.js';

/** A declared entity, normalised. */
export type EntitySpec =
  | {
      readonly kind: 'reducer';
      readonly id: string;
      /** A fresh copy of the initial state on every call. */
      readonly initial: () => unknown;
      readonly reduce: Reducer<unknown, RunMessage>;
      readonly accepts: ((message: RunMessage) => boolean) | undefined;
      readonly transform: ((state: unknown) => unknown) | undefined;
    }
  | {
      readonly kind: 'machine';
      readonly id: string;
      readonly initial: () => null;
      readonly machine: MachineEntity['machine'];
      readonly input: unknown;
      readonly toEvent: (message: RunMessage) => EventObject;
      readonly accepts: ((message: RunMessage) => boolean) | undefined;
    };

/**
 * Receives an output: `(entityId, timestamp, watermark, index, value)`.
 * @internal
 */
export type Emit = (
  entityId: string,
  timestamp: number,
  watermark: number,
  index: number,
  value: unknown,
) => void;

/** The operations the run's loop performs on an entity. @internal */
export interface EntitySlot {
  readonly id: string;
  /** The next savepoint due (`Infinity` for schedule `'none'`). */
  next: number;
  readonly accepts: ((message: RunMessage) => boolean) | undefined;
  /** Ack `timestamp` (≥ `next`): files the state, moves `next` on. */
  save(timestamp: number): void;
  /**
   * Handle a message if the entity accepts it; throws `E_ENTITY_FAILED`.
   * `watermark` is the newest timestamp the input has reached (`timestamp`
   * unless the message is late).
   */
  handle(message: RunMessage, timestamp: number, watermark: number): void;
  /** The state now (a machine's persisted snapshot). */
  finalState(): unknown;
  /** Release the entity's actor, if any. */
  stop(): void;
}

const nextOf = (entity: Entity<unknown>): number => {
  const next = entity.nextSavepoint;
  return next === 'none' ? Infinity : next;
};

function entityFailed(
  id: string,
  timestamp: number,
  error: unknown,
): RunStateError {
  if (error instanceof RunStateError && error.code === 'E_ENTITY_FAILED') {
    return error;
  }
  const cause = ensureError(error);
  return new RunStateError(
    'E_ENTITY_FAILED',
    `entity ${JSON.stringify(id)} failed on the message at ${timestamp}: ${cause.message}`,
    { cause, details: { entityId: id, timestamp } },
  );
}

/**
 * An entity's outputs, and the context a reducer gets (one per entity,
 * updated per message). Outputs are numbered per watermark (the newest
 * timestamp the input has reached): outputs of a late message continue the
 * numbering of the newer timestamp, so no two outputs of the entity share
 * `(watermark, index)`.
 */
class EntityOutputs implements EntityContext {
  timestamp = -1;
  readonly entityId: string;
  readonly #emit: Emit;
  #watermark = -1;
  #index = 0;

  constructor(entityId: string, emit: Emit) {
    this.entityId = entityId;
    this.#emit = emit;
  }

  /** Before a message at `timestamp` is handled at `watermark`. */
  reset(timestamp: number, watermark: number): void {
    if (watermark !== this.#watermark) this.#index = 0;
    this.#watermark = watermark;
    this.timestamp = timestamp;
  }

  emit(output: unknown): void {
    const { entityId, timestamp } = this;
    this.#emit(entityId, timestamp, this.#watermark, this.#index++, output);
  }
}

/** A reducer entity: the state lives here, the envelope is built on save. */
class ReducerSlot implements EntitySlot {
  readonly id: string;
  next: number;
  readonly accepts: EntitySlot['accepts'];
  #entity: Entity<unknown>;
  #state: unknown;
  #changed: number;
  readonly #reduce: Reducer<unknown, RunMessage>;
  readonly #transform: ((e: Entity<unknown>) => unknown) | undefined;
  readonly #context: EntityOutputs;

  constructor(
    spec: Extract<EntitySpec, { kind: 'reducer' }>,
    entity: Entity<unknown>,
    emit: Emit,
  ) {
    this.id = spec.id;
    this.accepts = spec.accepts;
    this.#entity = entity;
    this.#state = entity.state;
    this.#changed = entity.timestamp;
    this.next = nextOf(entity);
    this.#reduce = spec.reduce;
    const transform = spec.transform;
    this.#transform = transform && ((e) => transform(e.state));
    this.#context = new EntityOutputs(spec.id, emit);
  }

  save(timestamp: number): void {
    const current = this.#entity.updateState(this.#changed, this.#state);
    this.#entity = current.ackProcessedTime(timestamp, this.#transform);
    this.next = nextOf(this.#entity);
  }

  handle(message: RunMessage, timestamp: number, watermark: number): void {
    try {
      if (this.accepts !== undefined && !this.accepts(message)) return;
      this.#context.reset(timestamp, watermark);
      this.#state = this.#reduce(this.#state, message, this.#context);
    } catch (error) {
      throw entityFailed(this.id, timestamp, error);
    }
    this.#changed = timestamp;
  }

  finalState(): unknown {
    return this.#state;
  }

  stop(): void {}
}

/** A machine entity: an xstate actor, saved as its persisted snapshot. */
class MachineSlot implements EntitySlot {
  readonly id: string;
  next: number;
  readonly accepts: EntitySlot['accepts'];
  #entity: Entity<unknown>;
  readonly #actor: AnyActor;
  readonly #toEvent: (message: RunMessage) => EventObject;
  readonly #snapshot = (): unknown => this.#actor.getPersistedSnapshot();
  #error: unknown;
  readonly #outputs: EntityOutputs;

  constructor(
    spec: Extract<EntitySpec, { kind: 'machine' }>,
    entity: Entity<unknown>,
    emit: Emit,
  ) {
    this.id = spec.id;
    this.accepts = spec.accepts;
    this.#entity = entity;
    this.next = nextOf(entity);
    this.#toEvent = spec.toEvent;
    const restored = entity.state !== null && entity.state !== undefined;
    const clock = refusingClock(spec.id);
    this.#actor = createActor(
      spec.machine,
      restored
        ? { snapshot: entity.state as never, input: spec.input, clock }
        : { input: spec.input, clock },
    );
    this.#actor.subscribe({ error: (error) => void (this.#error = error) });
    const outputs = new EntityOutputs(spec.id, emit);
    this.#outputs = outputs;
    this.#actor.on('*', (event: unknown) => outputs.emit(event));
    this.#actor.start();
    this.#check(entity.timestamp);
  }

  save(timestamp: number): void {
    this.#entity = this.#entity.ackProcessedTime(timestamp, this.#snapshot);
    this.next = nextOf(this.#entity);
  }

  handle(message: RunMessage, timestamp: number, watermark: number): void {
    try {
      if (this.accepts !== undefined && !this.accepts(message)) return;
      this.#outputs.reset(timestamp, watermark);
      this.#actor.send(this.#toEvent(message));
    } catch (error) {
      throw entityFailed(this.id, timestamp, error);
    }
    this.#check(timestamp);
  }

  finalState(): unknown {
    return this.#actor.getPersistedSnapshot();
  }

  stop(): void {
    this.#actor.stop();
  }

  #check(timestamp: number): void {
    const snapshot = this.#actor.getSnapshot() as { status?: string };
    if (this.#error !== undefined || snapshot.status === 'error') {
      throw entityFailed(this.id, timestamp, this.#error);
    }
  }
}

/**
 * The slot of `spec` over the Entity the store returned for it.
 *
 * @throws `E_ENTITY_FAILED` when a machine cannot start from its snapshot.
 * @internal
 */
export function createSlot(
  spec: EntitySpec,
  entity: Entity<unknown>,
  emit: Emit,
): EntitySlot {
  if (spec.kind === 'reducer') return new ReducerSlot(spec, entity, emit);
  try {
    return new MachineSlot(spec, entity, emit);
  } catch (error) {
    throw entityFailed(spec.id, entity.timestamp, error);
  }
}
