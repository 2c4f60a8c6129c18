/**
 * Decoding of the tagged byte containers (base64) and typed arrays (element
 * lists), with the checks that keep every accepted form canonical.
 *
 * @packageDocumentation
 */
import { invalidAt as invalid } from './invalid.js';
import {
  NUMERIC_ARRAYS,
  SPECIAL_NUMBERS,
  type BytesTag,
  type NumericArrayTag,
} from './tagged-types.js';

const BYTES_TAGS: ReadonlySet<string> = new Set([
  'Uint8Array',
  'Buffer',
  'ArrayBuffer',
  'DataView',
]);

/** Whether `tag` names a container written as base64. */
export const isBytesTag = (tag: string): tag is BytesTag => BYTES_TAGS.has(tag);

/** Whether `tag` names a typed array written as element values. */
export const isNumericTag = (tag: string): tag is NumericArrayTag =>
  Object.hasOwn(NUMERIC_ARRAYS, tag);

/** Decode canonical base64 into the container `tag` names. */
export function decodeBytes(tag: BytesTag, value: unknown, path: string) {
  if (typeof value !== 'string') throw invalid(path, 'must be a string');
  const buffer = Buffer.from(value, 'base64');
  if (buffer.toString('base64') !== value) {
    throw invalid(path, 'must be canonical base64 (with padding)');
  }
  if (tag === 'Buffer') return buffer;
  const bytes = new Uint8Array(buffer);
  if (tag === 'Uint8Array') return bytes;
  return tag === 'ArrayBuffer' ? bytes.buffer : new DataView(bytes.buffer);
}

/** Decode a typed array from its element values, each checked to fit. */
export function decodeNumericArray(
  tag: NumericArrayTag,
  values: unknown,
  path: string,
): ArrayBufferView {
  if (!Array.isArray(values)) throw invalid(path, 'must be an array');
  const items = values as readonly unknown[];
  const array = new NUMERIC_ARRAYS[tag](items.length);
  const big = tag === 'BigInt64Array' || tag === 'BigUint64Array';
  const float = tag === 'Float32Array' || tag === 'Float64Array';
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i];
    const at = `${path}[${i}]`;
    const element = big ? bigElement(item, at) : numberElement(item, float, at);
    (array as { [i: number]: unknown })[i] = element;
    if (!Object.is(array[i], element)) {
      throw invalid(at, `${String(item)} does not fit a ${tag}`);
    }
  }
  return array;
}

function bigElement(item: unknown, path: string): bigint {
  if (typeof item !== 'string' || !/^-?(?:0|[1-9]\d*)$/.test(item)) {
    throw invalid(path, 'must be a decimal integer string');
  }
  return BigInt(item);
}

function numberElement(item: unknown, float: boolean, path: string): number {
  if (typeof item === 'number' && !Object.is(item, -0)) return item;
  if (float && typeof item === 'string' && SPECIAL_NUMBERS.has(item)) {
    return SPECIAL_NUMBERS.get(item)!;
  }
  throw invalid(
    path,
    float
      ? 'must be a number or one of "NaN", "Infinity", "-Infinity", "-0"'
      : 'must be an integer',
  );
}
