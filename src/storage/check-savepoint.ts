/**
 * Argument checks shared by the storage backends.
 *
 * @packageDocumentation
 */
import { ensureError } from '../errors.js';
import {
  checkId,
  checkPositiveInteger,
  checkTimestamp,
  show,
} from '../validate.js';
import type { StoredSavepoint, WriteSavepointOptions } from './types.js';

/**
 * Check a savepoint's shape: a timestamp and an array of `[entityId, bytes]`
 * pairs whose entity ids are unique.
 *
 * @param name - the argument name used in messages (`savepoint`)
 * @param value - the value passed by the caller
 * @returns the same value, typed
 * @throws `TypeError` or `RangeError` naming the argument and the value; a
 * duplicate entity id is a `TypeError` naming it.
 * @internal
 */
export function checkSavepoint(name: string, value: unknown): StoredSavepoint {
  if (value === null || typeof value !== 'object') {
    throw new TypeError(`${name} must be an object, got ${show(value)}`);
  }
  const { timestamp, entries } = value as Partial<StoredSavepoint>;
  checkTimestamp(`${name}.timestamp`, timestamp);
  if (!Array.isArray(entries)) {
    throw new TypeError(
      `${name}.entries must be an array, got ${show(entries)}`,
    );
  }
  checkEntries(`${name}.entries`, entries);
  return value as StoredSavepoint;
}

function checkEntries(name: string, entries: readonly unknown[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw new TypeError(
        `${name}[${i}] must be an [entityId, bytes] pair, got ${show(entry)}`,
      );
    }
    const [id, bytes] = entry as unknown[];
    checkId(`${name}[${i}][0]`, id);
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(
        `${name}[${i}][1] must be a Uint8Array, got ${show(bytes)}`,
      );
    }
    const size = seen.size;
    seen.add(id as string);
    if (seen.size === size) {
      throw new TypeError(
        `${name} holds entity id ${show(id)} twice; ids must be unique within a savepoint`,
      );
    }
  }
}

/**
 * Check the options of `writeSavepoint`.
 *
 * @param name - the argument name used in messages (`options`)
 * @param value - the value passed by the caller
 * @returns `keep`, validated
 * @throws `TypeError` or `RangeError` naming the option and the value.
 * @internal
 */
export function checkWriteOptions(name: string, value: unknown): number {
  if (value === null || typeof value !== 'object') {
    throw new TypeError(
      `${name} must be an object like { keep: 2 }, got ${show(value)}`,
    );
  }
  return checkPositiveInteger(
    `${name}.keep`,
    (value as Partial<WriteSavepointOptions>).keep,
  );
}

/**
 * Turn a synchronous body into a settled promise: a value resolves, a throw
 * rejects. Lets the backends keep every method non-`async` (no awaits) while
 * still never throwing synchronously.
 *
 * @param body - the synchronous work
 * @internal
 */
export function settle<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(ensureError(error));
  }
}
