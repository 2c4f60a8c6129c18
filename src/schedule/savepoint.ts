import { checkId, checkTimestamp, show } from '../validate.js';

/** Marks a registered entity that has not saved into a savepoint yet. */
export const NOT_SET: unique symbol = Symbol('runstate.NOT_SET');

/**
 * The entity ids of a run, each with its slot number. Built once per run and
 * shared by all its savepoints, so creating a savepoint is one array
 * allocation instead of one map insertion per entity.
 */
export interface EntityIndex {
  /** Registered ids in registration order. */
  readonly ids: readonly string[];
  /** Id → slot number. */
  readonly slots: ReadonlyMap<string, number>;
}

/**
 * A savepoint being assembled: every registered entity's state valid at one
 * scheduled timestamp.
 *
 * @remarks
 * Owned by one {@link RunState}; {@link saveToSavepoint} fills it in place
 * (first write wins). `filled` counts set slots, so completeness is O(1).
 */
export interface Savepoint<S> {
  /** The scheduled timestamp (epoch ms). */
  readonly timestamp: number;
  /** The run's entity index. */
  readonly index: EntityIndex;
  /** One slot per registered entity: its state, or {@link NOT_SET}. */
  readonly slots: (S | typeof NOT_SET)[];
  /** How many slots are set. */
  filled: number;
}

/** What {@link saveToSavepoint} did. */
export type SavepointSaveOutcome = 'set' | 'duplicate' | 'unknown';

/**
 * Build the shared index of a run's entity ids.
 *
 * @param ids - the registered entity ids
 * @throws `TypeError` when `ids` is not iterable, or on a duplicate id (a
 * savepoint with one could never complete); `TypeError`/`RangeError` on an
 * id that is not a non-empty string
 */
export function createEntityIndex(ids: Iterable<string>): EntityIndex {
  if (
    ids === null ||
    typeof (ids as Partial<Iterable<string>> | undefined)?.[Symbol.iterator] !==
      'function'
  ) {
    throw new TypeError(
      `ids must be an iterable of entity ids, got ${show(ids)}`,
    );
  }
  const list: string[] = [];
  const slots = new Map<string, number>();
  for (const id of ids) {
    checkId('entity id', id);
    if (slots.has(id)) {
      throw new TypeError(`entity ids must be unique, got ${show(id)} twice`);
    }
    slots.set(id, list.length);
    list.push(id);
  }
  return Object.freeze({ ids: Object.freeze(list), slots });
}

/**
 * Create an empty savepoint with every indexed entity unset.
 *
 * @param timestamp - the scheduled timestamp
 * @param index - the run's entity index (or a list of ids to index)
 */
export function createSavepoint<S>(
  timestamp: number,
  index: EntityIndex | Iterable<string>,
): Savepoint<S> {
  checkTimestamp('timestamp', timestamp);
  const entityIndex = isEntityIndex(index) ? index : createEntityIndex(index);
  const slots = new Array<S | typeof NOT_SET>(entityIndex.ids.length).fill(
    NOT_SET,
  );
  return { timestamp, index: entityIndex, slots, filled: 0 };
}

function isEntityIndex(value: unknown): value is EntityIndex {
  return (
    typeof value === 'object' &&
    value !== null &&
    'slots' in value &&
    value.slots instanceof Map
  );
}

/**
 * File one entity's state: an unset slot becomes set; a set slot is left as
 * it is (the first write wins); an unknown id is ignored.
 *
 * @returns `'set'`, `'duplicate'` (already set) or `'unknown'` (not
 * registered; the caller reports it)
 */
export function saveToSavepoint<S>(
  savepoint: Savepoint<S>,
  id: string,
  state: S,
): SavepointSaveOutcome {
  const slot = savepoint.index.slots.get(id);
  if (slot === undefined) return 'unknown';
  return fillSlot(savepoint, slot, state);
}

/**
 * Fill a slot by number (the RunState resolves the id once per save).
 *
 * @internal
 */
export function fillSlot<S>(
  savepoint: Savepoint<S>,
  slot: number,
  state: S,
): 'set' | 'duplicate' {
  if (savepoint.slots[slot] !== NOT_SET) return 'duplicate';
  savepoint.slots[slot] = state;
  savepoint.filled++;
  return 'set';
}

/** Whether every registered entity has saved (true at once for 0 entities). */
export function isComplete(savepoint: Savepoint<unknown>): boolean {
  return savepoint.filled === savepoint.slots.length;
}

/** The set entries as `[id, state]` pairs, in registration order. */
export function entityStates<S>(savepoint: Savepoint<S>): [string, S][] {
  const result: [string, S][] = [];
  const { ids } = savepoint.index;
  savepoint.slots.forEach((state, slot) => {
    if (state !== NOT_SET) result.push([ids[slot] as string, state]);
  });
  return result;
}

/** The ids of registered entities that have not saved yet. */
export function missingEntities(savepoint: Savepoint<unknown>): string[] {
  const result: string[] = [];
  const { ids } = savepoint.index;
  savepoint.slots.forEach((state, slot) => {
    if (state === NOT_SET) result.push(ids[slot] as string);
  });
  return result;
}
