/**
 * The tagged-JSON vocabulary shared by the encoder and the decoder: which
 * typed arrays exist, which are written as base64 bytes, and the JSON shape
 * of a tagged value.
 *
 * @packageDocumentation
 */

import type { JsonValue } from '../storage/index.js';

export type { JsonValue };

/**
 * A state as tagged JSON: plain JSON for strings, booleans, `null`, finite
 * numbers, arrays and plain objects; an object with a `"$"` tag for every
 * other value (see `docs/export-format.md`).
 */
export type TaggedValue = JsonValue;

/** Constructors of the typed arrays written as a list of element values. */
export const NUMERIC_ARRAYS = {
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;

/** The tag of a typed array written as element values. */
export type NumericArrayTag = keyof typeof NUMERIC_ARRAYS;

/** Tags of the byte containers written as base64. */
export type BytesTag = 'Uint8Array' | 'Buffer' | 'ArrayBuffer' | 'DataView';

/** Non-finite numbers (and `-0`) as the strings that stand for them. */
export const SPECIAL_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['-0', -0],
]);

/** The string for a number JSON cannot hold, or `undefined` for one it can. */
export function specialNumber(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return undefined;
}

/** Whether a value is a plain (or null-prototype) object. */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
