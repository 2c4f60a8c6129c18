import { RunStateError, ensureError } from '../errors.js';
import {
  checkSchedule,
  nextSavepoint,
  type Schedule,
} from '../schedule/index.js';
import { checkFunction, checkId, checkTimestamp } from '../validate.js';

/**
 * Where an entity sends its state when a savepoint is due: the run's
 * StateStore (or anything with the same `save`).
 */
export interface EntityStore {
  /**
   * Receive an entity's state for the savepoints from `entity.nextSavepoint`
   * up to `timestamp`. Fire-and-forget: never blocks, never throws for
   * lifecycle reasons.
   *
   * @param entity - the saving entity, as it was before the save
   * @param timestamp - the ack timestamp
   * @param state - the state to store (an explicit `undefined` included);
   * `entity.state` when omitted
   */
  save(
    entity: Entity<unknown>,
    timestamp: number,
    ...state: [state?: unknown]
  ): void;
}

/**
 * A transform applied to an entity before its state is saved (to drop caches,
 * compact, or project). Runs only when a save happens.
 */
export type SaveTransform<S> = (entity: Entity<S>) => unknown;

/**
 * The immutable envelope a stateful component keeps its state in. It knows
 * when the next savepoint is due and sends its state to the run's StateStore
 * then.
 *
 * @remarks
 * Every method returns a new Entity (or the same one when nothing changes);
 * none mutates. Call {@link Entity.ackProcessedTime} before handling each
 * message: when no save is due it allocates nothing and costs about one
 * comparison.
 *
 * @example
 * ```ts
 * let counter = Entity.create(store, 'counter', 60_000, startFrom, 0);
 * for await (const message of input) {
 *   counter = counter.ackProcessedTime(message.timestamp);
 *   counter = counter.updateState(message.timestamp, counter.state + 1);
 * }
 * ```
 */
export class Entity<S> {
  /** The entity id, unique within its run. */
  readonly id: string;
  /** The current state. */
  readonly state: S;
  /** The timestamp of the last state change (epoch ms). */
  readonly timestamp: number;
  /** The run's schedule. */
  readonly schedule: Schedule;
  /** `previousSavepoint(schedule, ts)` of the last save (informational). */
  readonly lastSavepoint: number;
  /** The run's StateStore. */
  readonly store: EntityStore;
  /** Next savepoint; `Infinity` for schedule `'none'`, so acks never save. */
  readonly #next: number;

  private constructor(
    store: EntityStore,
    id: string,
    schedule: Schedule,
    fields: { timestamp: number; state: S; next: number; last: number },
  ) {
    this.store = store;
    this.id = id;
    this.schedule = schedule;
    this.timestamp = fields.timestamp;
    this.state = fields.state;
    this.#next = fields.next;
    this.lastSavepoint = fields.last;
    Object.freeze(this);
  }

  /**
   * Create an entity at `timestamp` (a run's start, or a loaded savepoint's
   * timestamp on resume).
   *
   * @example
   * ```ts
   * Entity.create(store, 'a', 60_000, 10_000, {}).nextSavepoint; // 60_000
   * Entity.create(store, 'a', 60_000, 60_000, {}).nextSavepoint; // 120_000
   * ```
   * @param store - the run's StateStore
   * @param id - the entity id
   * @param schedule - the run's schedule
   * @param timestamp - epoch ms; also the entity's `lastSavepoint`
   * @param state - the initial state
   * @throws `TypeError`/`RangeError` naming the bad argument; `RangeError`
   * naming `timestamp` when the next savepoint after it would be beyond
   * `Number.MAX_SAFE_INTEGER`
   */
  static create<S>(
    store: EntityStore,
    id: string,
    schedule: Schedule,
    timestamp: number,
    state: S,
  ): Entity<S> {
    if (typeof (store as Partial<EntityStore> | null)?.save !== 'function') {
      throw new TypeError('store must be a StateStore (an object with save())');
    }
    checkId('id', id);
    checkSchedule(schedule);
    checkTimestamp('timestamp', timestamp);
    const next =
      schedule === 'none' ? Infinity : nextSavepoint(schedule, timestamp);
    return new Entity(store, id, schedule, {
      timestamp,
      state,
      next,
      last: timestamp,
    });
  }

  /** When the next save is due (epoch ms), or `'none'`. */
  get nextSavepoint(): number | 'none' {
    return this.#next === Infinity ? 'none' : this.#next;
  }

  /**
   * A copy with `state` and `timestamp` replaced; savepoint fields are kept.
   * An older timestamp is accepted as given.
   *
   * @param timestamp - the time of the change, epoch ms
   * @param state - the new state
   */
  updateState(timestamp: number, state: S): Entity<S> {
    checkTimestamp('timestamp', timestamp);
    return new Entity(this.store, this.id, this.schedule, {
      timestamp,
      state,
      next: this.#next,
      last: this.lastSavepoint,
    });
  }

  /**
   * Declare every message older than `timestamp` processed. When `timestamp`
   * reaches the next savepoint, send the state (or `transform(this)`) to the
   * store with this timestamp and return an entity waiting for the following
   * savepoint; otherwise return this same entity.
   *
   * @remarks
   * Repeated and out-of-order acks save nothing. The store files the state
   * into every savepoint up to `timestamp`, so one late ack fills all the
   * savepoints it skipped. The entity keeps its untransformed state.
   * Arguments are validated when a save is due; a non-number is rejected
   * always.
   *
   * @param timestamp - epoch ms of the message about to be handled
   * @param transform - optional projection of the state to save
   * @throws `E_TRANSFORM_FAILED` (with `cause`) when `transform` throws:
   * nothing is saved and this entity is unchanged, still due. Do not handle
   * the message after a failed ack: retry the ack or stop the run. Handling
   * it would let the next save put a state that includes this message into
   * the savepoint it missed. `RangeError` naming `timestamp`, before
   * anything is saved, when the savepoint after `timestamp` would be beyond
   * `Number.MAX_SAFE_INTEGER`.
   */
  ackProcessedTime(timestamp: number, transform?: SaveTransform<S>): Entity<S> {
    if (typeof timestamp === 'number' && timestamp < this.#next) return this;
    return this.#save(timestamp, transform);
  }

  #save(timestamp: number, transform?: SaveTransform<S>): Entity<S> {
    checkTimestamp('timestamp', timestamp);
    if (transform !== undefined) checkFunction('transform', transform);
    const schedule = this.schedule as number; // #next is finite here
    // Before saving: a RangeError when the following savepoint is not safe.
    const next = nextSavepoint(schedule, timestamp);
    let state: unknown = this.state;
    if (transform !== undefined) {
      try {
        state = transform(this);
      } catch (error) {
        throw new RunStateError(
          'E_TRANSFORM_FAILED',
          `save transform of entity ${JSON.stringify(this.id)} threw: ${ensureError(error).message}`,
          { cause: error, details: { entityId: this.id, timestamp } },
        );
      }
    }
    this.store.save(this, timestamp, state);
    return new Entity(this.store, this.id, schedule, {
      timestamp: this.timestamp,
      state: this.state,
      next,
      last: next - schedule,
    });
  }
}
