import { checkPositiveInteger, checkTimestamp } from '../validate.js';
import { checkSchedule, nextSavepoint, type Schedule } from './schedule.js';
import {
  createEntityIndex,
  createSavepoint,
  fillSlot,
  isComplete,
  type EntityIndex,
  type Savepoint,
} from './savepoint.js';

/**
 * The savepoints a StateStore is assembling for one run.
 *
 * @remarks
 * Pure in the sense that matters here: no I/O, no clock, no randomness, so it
 * is unit-tested without timers or actors. {@link saveToRunState} updates the
 * RunState it is given in place and in O(1) for the usual case: copying a
 * 100 000-entity registry on every save would make assembly quadratic. The
 * StateStore owns its RunState exclusively.
 */
export interface RunState<S> {
  /** The run's schedule. */
  readonly schedule: Schedule;
  /** The registered entity ids. */
  readonly index: EntityIndex;
  /** Open savepoints by timestamp, in ascending insertion order. */
  readonly open: Map<number, Savepoint<S>>;
  /** The newest savepoint handed out for persistence (or loaded). */
  latestCollected: number | undefined;
  /** The highest savepoint timestamp ever opened or collected. */
  highest: number;
  /** The most savepoints open at once; past it the oldest is discarded. */
  readonly maxOpenSavepoints: number;
}

/** Options of {@link createRunState}. */
export interface RunStateOptions {
  /**
   * Whether `timestamp` is a loaded savepoint's (a resume): then it counts as
   * already collected.
   * @defaultValue false
   */
  readonly resumed?: boolean;
  /**
   * Most savepoints open at once.
   * @defaultValue 1000
   */
  readonly maxOpenSavepoints?: number;
}

/** What {@link saveToRunState} did with one state. */
export interface RunStateSaveResult<S> {
  /** `'filed'` into ≥ 1 savepoint, `'stale'` (filled nothing) or `'unknown'` id. */
  readonly outcome: 'filed' | 'stale' | 'unknown';
  /** The newest savepoint this save completed, to be persisted. */
  readonly complete: Savepoint<S> | undefined;
  /**
   * Scheduled savepoints given up because of `maxOpenSavepoints` (open ones
   * dropped, or ones never opened because newer ones fill the limit).
   */
  readonly discarded: DiscardedSavepoints | undefined;
}

/** Savepoints given up by the `maxOpenSavepoints` limit in one save. */
export interface DiscardedSavepoints {
  /** How many. */
  readonly count: number;
  /** The oldest discarded timestamp. */
  readonly from: number;
  /** The newest discarded timestamp. */
  readonly to: number;
}

const STALE = Object.freeze({
  outcome: 'stale',
  complete: undefined,
  discarded: undefined,
});
const UNKNOWN = Object.freeze({
  outcome: 'unknown',
  complete: undefined,
  discarded: undefined,
});
const FILED = Object.freeze({
  outcome: 'filed',
  complete: undefined,
  discarded: undefined,
});

/**
 * Start assembling: one open savepoint at `nextSavepoint(schedule, timestamp)`
 * (none for schedule `'none'`).
 *
 * @example
 * ```ts
 * createRunState(60_000, 10_000, ['a', 'b']).open.keys(); // 60_000
 * createRunState(60_000, 60_000, ['a'], { resumed: true }); // open 120_000
 * ```
 * @param schedule - the run's schedule
 * @param timestamp - the run's start, or the loaded savepoint's timestamp
 * @param ids - the registered entity ids (unique)
 * @throws `TypeError`/`RangeError` naming the bad argument
 */
export function createRunState<S>(
  schedule: Schedule,
  timestamp: number,
  ids: Iterable<string>,
  options: RunStateOptions = {},
): RunState<S> {
  checkSchedule(schedule);
  checkTimestamp('timestamp', timestamp);
  const maxOpenSavepoints = checkPositiveInteger(
    'maxOpenSavepoints',
    options.maxOpenSavepoints === undefined ? 1000 : options.maxOpenSavepoints,
  );
  const index = createEntityIndex(ids);
  const open = new Map<number, Savepoint<S>>();
  let highest = timestamp;
  if (schedule !== 'none') {
    highest = nextSavepoint(schedule, timestamp);
    open.set(highest, createSavepoint<S>(highest, index));
  }
  const latestCollected = options.resumed === true ? timestamp : undefined;
  return { schedule, index, open, latestCollected, highest, maxOpenSavepoints };
}

/**
 * File one entity's state saved at `timestamp` into every open savepoint with
 * a timestamp in `[validFrom, timestamp]` that does not hold it yet, after
 * lazily opening every scheduled savepoint up to `timestamp`.
 *
 * @remarks
 * When a savepoint completes, the newest complete one is returned for
 * persistence, and it and every older open savepoint are removed. A timestamp
 * older than every open savepoint, or ≤ the latest collected one, fills
 * nothing (`'stale'`).
 *
 * `validFrom` is the first savepoint the state is valid for: the saving
 * entity's `nextSavepoint` before this save. An entity's state at its ack
 * reflects every message older than the ack, so it is the right state for
 * every savepoint from its previous due one up to the ack, and *wrong* for
 * older ones. Without the bound (the spec's rule), a save that was lost (an
 * unstorable state reported to `onError`) would let the entity's next save
 * fill the older savepoint with a newer state, and a persisted savepoint
 * would no longer be a consistent cut. (A failed save transform leaves the
 * entity unchanged and due, so the bound cannot help there: the caller must
 * not handle the message after a failed ack; see `Entity#ackProcessedTime`.) With it, that older savepoint never completes and is
 * dropped when a newer one completes.
 *
 * @param runState - updated in place
 * @param id - the saving entity
 * @param timestamp - the ack timestamp sent with the save
 * @param state - the (encoded) state; the same value may fill several
 * savepoints
 * @param validFrom - the oldest savepoint the state may fill; 0 (no bound)
 * when omitted
 */
export function saveToRunState<S>(
  runState: RunState<S>,
  id: string,
  timestamp: number,
  state: S,
  validFrom = 0,
): RunStateSaveResult<S> {
  checkTimestamp('timestamp', timestamp);
  const slot = runState.index.slots.get(id);
  if (slot === undefined) return UNKNOWN;
  const { schedule, latestCollected } = runState;
  if (schedule === 'none') return STALE;
  if (latestCollected !== undefined && timestamp <= latestCollected) {
    return STALE;
  }
  const discarded = openUpTo(runState, schedule, timestamp);
  let filled = false;
  let complete: Savepoint<S> | undefined;
  for (const savepoint of runState.open.values()) {
    if (savepoint.timestamp > timestamp) break;
    if (savepoint.timestamp < validFrom) continue;
    filled = true;
    if (fillSlot(savepoint, slot, state) === 'set' && isComplete(savepoint)) {
      complete = savepoint;
    }
  }
  if (complete !== undefined) collect(runState, complete.timestamp);
  if (!filled) return discarded === undefined ? STALE : { ...STALE, discarded };
  if (complete === undefined && discarded === undefined) return FILED;
  return { outcome: 'filed', complete, discarded };
}

/** Open every scheduled savepoint in (highest; timestamp]; enforce the limit. */
function openUpTo<S>(
  runState: RunState<S>,
  schedule: number,
  timestamp: number,
): DiscardedSavepoints | undefined {
  if (timestamp < runState.highest + schedule) return undefined;
  const { open, maxOpenSavepoints, index } = runState;
  const newest = timestamp - (timestamp % schedule);
  // Only the newest maxOpenSavepoints can survive the limit; skip the rest.
  const span = Math.floor((newest - runState.highest) / schedule);
  const opened = Math.min(span, maxOpenSavepoints);
  const first = newest - (opened - 1) * schedule;
  for (let ts = first; ts <= newest; ts += schedule) {
    open.set(ts, createSavepoint<S>(ts, index));
  }
  const skipped = span - opened; // scheduled, but never opened
  let count = 0;
  let from: number | undefined;
  let to: number | undefined;
  for (const ts of open.keys()) {
    if (open.size <= maxOpenSavepoints) break;
    open.delete(ts);
    from ??= ts;
    to = ts;
    count++;
  }
  if (skipped > 0) {
    from ??= runState.highest + schedule;
    to = first - schedule;
    count += skipped;
  }
  runState.highest = newest;
  return from === undefined || to === undefined
    ? undefined
    : { count, from, to };
}

/** Remove `timestamp` and every older open savepoint; mark it collected. */
function collect<S>(runState: RunState<S>, timestamp: number): void {
  for (const ts of runState.open.keys()) {
    if (ts > timestamp) break;
    runState.open.delete(ts);
  }
  runState.latestCollected = timestamp;
}
