/**
 * The entity definitions of `startRun` (`options.entities`), checked and
 * normalised into the specs each attempt builds its entities from: reducers
 * with a fresh initial state per attempt, and machine entities without
 * timers.
 *
 * @packageDocumentation
 */
import type { EventObject } from 'xstate';
import type { Codec } from '../../storage/codec/index.js';
import { checkFunction, checkId, checkOptions, show } from '../../validate.js';
import type { EntitySpec } from './run-entity-slot.js';
import { findMachineTimer } from './run-machine-timers.js';
import type {
  EntityDefinition,
  MachineEntity,
  RunMessage,
} from './run-types.js';

type ReducerSpec = Extract<EntitySpec, { kind: 'reducer' }>;

/**
 * An optional callback option: `undefined`, or a function.
 *
 * @throws `TypeError` naming the option when it is something else.
 * @internal
 */
export function optionalFunction<F>(
  name: string,
  value: F | undefined,
): F | undefined {
  if (value !== undefined) checkFunction(name, value);
  return value;
}

const messageAsEvent = (message: RunMessage): EventObject => {
  if (typeof (message as Partial<EventObject>).type !== 'string') {
    throw new TypeError(
      'a machine entity without toEvent needs messages with a string type',
    );
  }
  return message as unknown as EventObject;
};

/**
 * A fresh copy of `initial` per call, the codec's round trip as a resumed
 * state is: a reducer may mutate its state in place, so a restart before
 * the first savepoint must not start from what the failed attempt left. A
 * value the codec cannot store is handed out as is (its first save reports
 * `E_UNSTORABLE`).
 */
function pristine(initial: unknown, codec: Codec): () => unknown {
  let bytes: Uint8Array;
  try {
    bytes = codec.encode(initial);
  } catch {
    return () => initial;
  }
  return () => codec.decode(bytes);
}

/** Normalise a machine entity (`name` is how errors name it). */
function machineSpec(
  id: string,
  name: string,
  def: MachineEntity,
  accepts: EntitySpec['accepts'],
): EntitySpec {
  if (def.machine === null || typeof def.machine !== 'object') {
    throw new TypeError(
      `${name}.machine must be an xstate machine, got ${show(def.machine)}`,
    );
  }
  const timer = findMachineTimer(def.machine);
  if (timer !== undefined) {
    throw new TypeError(
      `${name}.machine uses ${timer}: machine entities must not use timers (after, delayed raise or sendTo), because a timer fires on wall-clock time and is not restored on resume; drive time by the messages' timestamps instead`,
    );
  }
  const toEvent = optionalFunction(`${name}.toEvent`, def.toEvent);
  return {
    kind: 'machine',
    id,
    initial: () => null,
    machine: def.machine,
    input: def.input,
    toEvent: toEvent ?? messageAsEvent,
    accepts,
  };
}

/** Normalise one entity definition, naming it in every error. */
function entitySpec(
  id: string,
  def: EntityDefinition,
  codec: Codec,
): EntitySpec {
  const name = `options.entities[${JSON.stringify(id)}]`;
  if (typeof def === 'function') {
    return {
      kind: 'reducer',
      id,
      initial: () => undefined,
      reduce: def as ReducerSpec['reduce'],
      accepts: undefined,
      transform: undefined,
    };
  }
  checkOptions(name, def);
  if (def === undefined || def === null) {
    throw new TypeError(
      `${name} must be a reducer, { initial, reduce } or { machine }, got ${show(def)}`,
    );
  }
  const accepts = optionalFunction(`${name}.accepts`, def.accepts);
  if ('machine' in def) return machineSpec(id, name, def, accepts);
  if (!('reduce' in def) || typeof def.reduce !== 'function') {
    throw new TypeError(
      `${name} must be a reducer, { initial, reduce } or { machine }; its reduce is ${show((def as { reduce?: unknown }).reduce)}`,
    );
  }
  return {
    kind: 'reducer',
    id,
    initial: pristine(def.initial, codec),
    reduce: def.reduce as ReducerSpec['reduce'],
    accepts,
    transform: optionalFunction(`${name}.transform`, def.transform) as
      ReducerSpec['transform'] | undefined,
  };
}

/**
 * Normalise `options.entities` into one spec per entity, naming the
 * definition in every error.
 *
 * @internal
 */
export function entitySpecs(value: unknown, codec: Codec): EntitySpec[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(
      `options.entities must be an object of entity definitions by id, got ${show(value)}`,
    );
  }
  const entries = Object.entries(value as Record<string, EntityDefinition>);
  if (entries.length === 0) {
    throw new RangeError('options.entities must declare at least one entity');
  }
  return entries.map(([id, def]) =>
    entitySpec(checkId('entity id', id), def, codec),
  );
}
