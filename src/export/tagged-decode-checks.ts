/**
 * The small strict checks of the tagged-JSON decoder: exact keys, arrays,
 * canonical dates and RegExps.
 *
 * @packageDocumentation
 */
import { invalidAt, keyPath } from './invalid.js';

type JsonObject = Readonly<Record<string, unknown>>;

export function decodeDate(value: unknown, path: string): Date {
  if (value === null) return new Date(NaN);
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw invalidAt(path, 'must be an ISO date string or null');
  }
  if (date.toISOString() !== value) {
    throw invalidAt(path, `must be written as ${date.toISOString()}`);
  }
  return date;
}

export function decodeRegExp(tagged: JsonObject, path: string): RegExp {
  const { source, flags } = tagged;
  if (typeof source !== 'string' || typeof flags !== 'string') {
    throw invalidAt(path, 'source and flags must be strings');
  }
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw invalidAt(path, `not a valid RegExp: ${String(error)}`);
  }
}

export function arrayAt(value: unknown, path: string): readonly unknown[] {
  if (!Array.isArray(value)) throw invalidAt(path, 'must be an array');
  return value;
}

/** Refuse keys other than `"$"` and `keys`, and missing ones. */
export function expectKeys(
  object: JsonObject,
  path: string,
  keys: readonly string[],
): void {
  for (const key of Object.keys(object)) {
    if (key !== '$' && !keys.includes(key)) {
      throw invalidAt(keyPath(path, key), 'unexpected key');
    }
  }
  for (const key of keys) {
    if (!Object.hasOwn(object, key)) {
      throw invalidAt(keyPath(path, key), 'missing');
    }
  }
}
