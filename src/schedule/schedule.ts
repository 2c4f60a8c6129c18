import { checkPositiveInteger, checkTimestamp, show } from '../validate.js';

/**
 * How often a run takes savepoints: a positive safe integer of milliseconds,
 * or `'none'` (entities never persist).
 *
 * @remarks
 * Savepoints fall on multiples of the schedule counted from epoch 0, not from
 * the run's start: with a schedule of 60 000 every savepoint is on a whole
 * minute.
 */
export type Schedule = number | 'none';

/** The largest `unreachedSavepoints` list returned before a `RangeError`. */
const MAX_LIST = 10_000_000;

/**
 * Validate a schedule: a positive safe integer of ms, or `'none'`.
 *
 * @param value - the schedule to check
 * @param name - the argument name used in the error message
 * @throws `TypeError` when not a number or `'none'`; `RangeError` when not a
 * positive safe integer
 */
export function checkSchedule(value: unknown, name = 'schedule'): Schedule {
  if (value === 'none') return value;
  if (typeof value !== 'number') {
    throw new TypeError(
      `${name} must be a positive integer of milliseconds or 'none', got ${show(value)}`,
    );
  }
  return checkPositiveInteger(name, value);
}

/**
 * The largest multiple of `schedule` that is ≤ `timestamp`.
 *
 * @example
 * ```ts
 * previousSavepoint(60_000, 119_999); // 60_000
 * previousSavepoint(60_000, 60_000); // 60_000
 * ```
 * @param schedule - positive integer ms
 * @param timestamp - non-negative integer epoch ms
 * @throws `TypeError`/`RangeError` naming the bad argument
 */
export function previousSavepoint(schedule: number, timestamp: number): number {
  checkPositiveInteger('schedule', schedule);
  checkTimestamp('timestamp', timestamp);
  return timestamp - (timestamp % schedule);
}

/**
 * The smallest multiple of `schedule` strictly greater than `timestamp`.
 *
 * @example
 * ```ts
 * nextSavepoint(60_000, 59_999); // 60_000
 * nextSavepoint(60_000, 60_000); // 120_000
 * ```
 * @param schedule - positive integer ms
 * @param timestamp - non-negative integer epoch ms
 * @throws `TypeError`/`RangeError` naming the bad argument; `RangeError`
 * naming `timestamp` when that multiple is beyond `Number.MAX_SAFE_INTEGER`
 * (it could not be represented exactly)
 */
export function nextSavepoint(schedule: number, timestamp: number): number {
  const previous = previousSavepoint(schedule, timestamp);
  if (previous > Number.MAX_SAFE_INTEGER - schedule) {
    throw new RangeError(
      `timestamp ${timestamp} has no next savepoint on schedule ${schedule} that is a safe integer (it would be ${BigInt(previous) + BigInt(schedule)}, beyond Number.MAX_SAFE_INTEGER)`,
    );
  }
  return previous + schedule;
}

/**
 * How many multiples `m` of `schedule` satisfy `from < m ≤ to`:
 * `floor(to / s) − floor(from / s)`, or 0 when `to < from`.
 *
 * @param schedule - positive integer ms
 * @param from - exclusive lower bound, epoch ms
 * @param to - inclusive upper bound, epoch ms
 * @throws `TypeError`/`RangeError` naming the bad argument
 */
export function unreachedSavepointsCount(
  schedule: number,
  from: number,
  to: number,
): number {
  checkPositiveInteger('schedule', schedule);
  checkTimestamp('from', from);
  checkTimestamp('to', to);
  if (to < from) return 0;
  return Math.floor(to / schedule) - Math.floor(from / schedule);
}

/**
 * Every multiple `m` of `schedule` with `from < m ≤ to`, ascending.
 *
 * @example
 * ```ts
 * unreachedSavepoints(60_000, 60_000, 185_000); // [120_000, 180_000]
 * unreachedSavepoints(60_000, 60_000, 119_999); // []
 * ```
 * @param schedule - positive integer ms
 * @param from - exclusive lower bound, epoch ms
 * @param to - inclusive upper bound, epoch ms
 * @throws `RangeError` when the list would exceed 10 000 000 entries
 */
export function unreachedSavepoints(
  schedule: number,
  from: number,
  to: number,
): number[] {
  const count = unreachedSavepointsCount(schedule, from, to);
  if (count > MAX_LIST) {
    throw new RangeError(
      `unreachedSavepoints(${schedule}, ${from}, ${to}) would list ${count} savepoints; narrow from/to (at most ${MAX_LIST})`,
    );
  }
  // Safe when count > 0: the first multiple is then ≤ `to`.
  const first = from - (from % schedule) + schedule;
  const result = new Array<number>(count);
  for (let i = 0; i < count; i++) result[i] = first + i * schedule;
  return result;
}
