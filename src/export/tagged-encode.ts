/**
 * Encode a codec-storable value as tagged JSON: a JSON value that names
 * every type JSON lacks and every shared or cyclic reference.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';
import {
  NUMERIC_ARRAYS,
  isPlainObject,
  specialNumber,
  type JsonValue,
  type NumericArrayTag,
  type TaggedValue,
} from './tagged-types.js';

type Json = JsonValue;
type JsonObject = Record<string, Json>;

/** Encoder state for one value: which objects are shared, their ids. */
interface EncodeContext {
  readonly shared: ReadonlySet<object>;
  readonly ids: Map<object, number>;
  readonly path: string[];
}

/**
 * Encode a value as tagged JSON (`docs/export-format.md`).
 *
 * @remarks
 * Strings, booleans, `null`, finite numbers, arrays and plain objects stay
 * plain JSON; `undefined`, `NaN`, `±Infinity`, `-0`, `bigint`, `Map`,
 * `Set`, `Date`, `RegExp`, typed arrays, `Buffer`, `ArrayBuffer` and
 * `DataView` become objects tagged by a `"$"` key. An object reached more
 * than once gets an `"id"` where it first appears (depth first, in key
 * order) and is a `{ "$": "ref", "id": n }` everywhere after, so shared and
 * cyclic references survive. The output is deterministic: the same value
 * always gives the same JSON text. An array hole is written as `undefined`,
 * as the codec stores it.
 *
 * @example
 * ```ts
 * encodeTagged(new Map([[1, 2n]]));
 * // { $: 'Map', entries: [[1, { $: 'bigint', value: '2' }]] }
 * ```
 * @param value - a value the codec can store
 * @returns a JSON value; `JSON.stringify` it to write it
 * @throws `RunStateError` `E_UNSTORABLE` with `details: { path, reason }`
 * for a value with no tagged form (a function, a symbol, an `Error`, a
 * class instance…)
 * @see {@link decodeTagged}
 */
export function encodeTagged(value: unknown): TaggedValue {
  const ctx: EncodeContext = {
    shared: findShared(value),
    ids: new Map(),
    path: [],
  };
  return encodeValue(value, ctx);
}

/** The objects reached more than once from `root`. */
function findShared(root: unknown): Set<object> {
  const seen = new Set<object>();
  const shared = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    if (seen.has(value)) {
      shared.add(value);
      continue;
    }
    seen.add(value);
    if (value instanceof Map) {
      for (const [k, v] of value) stack.push(k, v);
    } else if (value instanceof Set) {
      for (const v of value) stack.push(v);
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i += 1) stack.push(value[i]);
    } else if (isPlainObject(value)) {
      for (const key of Object.keys(value)) {
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return shared;
}

function encodeValue(value: unknown, ctx: EncodeContext): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number': {
      const special = specialNumber(value);
      return special === undefined ? value : { $: 'number', value: special };
    }
    case 'bigint':
      return { $: 'bigint', value: value.toString() };
    case 'undefined':
      return { $: 'undefined' };
    case 'object':
      if (value === null) return null;
      return encodeObject(value, ctx);
    default:
      throw unencodable(ctx, `a ${typeof value}`);
  }
}

function encodeObject(value: object, ctx: EncodeContext): Json {
  const known = ctx.ids.get(value);
  if (known !== undefined) return { $: 'ref', id: known };
  let id: number | undefined;
  if (ctx.shared.has(value)) {
    id = ctx.ids.size + 1;
    ctx.ids.set(value, id);
  }
  const withId = (tag: string, body: JsonObject): JsonObject =>
    id === undefined ? { $: tag, ...body } : { $: tag, id, ...body };
  if (Array.isArray(value)) {
    const items = encodeArray(value, ctx);
    return id === undefined ? items : withId('Array', { items });
  }
  if (isPlainObject(value)) {
    const fields = encodeFields(value as Record<string, unknown>, ctx);
    return id === undefined && !Object.hasOwn(fields, '$')
      ? fields
      : withId('object', { value: fields });
  }
  return encodeBuiltIn(value, ctx, withId);
}

function encodeBuiltIn(
  value: object,
  ctx: EncodeContext,
  withId: (tag: string, body: JsonObject) => JsonObject,
): Json {
  if (value instanceof Map) {
    return withId('Map', { entries: encodeEntries(value, ctx) });
  }
  if (value instanceof Set) {
    return withId('Set', { values: encodeArray([...value], ctx, 'Set #') });
  }
  if (value instanceof Date) {
    const time = value.getTime();
    return withId('Date', {
      value: Number.isNaN(time) ? null : value.toISOString(),
    });
  }
  if (value instanceof RegExp) {
    return withId('RegExp', { source: value.source, flags: value.flags });
  }
  const bytes = encodeBytes(value);
  if (bytes !== undefined) return withId(bytes[0], { base64: bytes[1] });
  const numeric = numericArrayTag(value);
  if (numeric !== undefined) {
    return withId(numeric, { values: numericValues(value as never) });
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor
    ?.name;
  throw unencodable(
    ctx,
    typeof name === 'string' ? `an instance of class ${name}` : 'an object',
  );
}

function encodeArray(
  items: readonly unknown[],
  ctx: EncodeContext,
  label = '',
): Json[] {
  const out: Json[] = [];
  for (let i = 0; i < items.length; i += 1) {
    ctx.path.push(`[${label}${i}]`);
    out.push(encodeValue(items[i], ctx));
    ctx.path.pop();
  }
  return out;
}

function encodeFields(
  value: Record<string, unknown>,
  ctx: EncodeContext,
): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    ctx.path.push(`.${key}`);
    const encoded = encodeValue(value[key], ctx);
    ctx.path.pop();
    // A "__proto__" key stays an own data property, never a prototype.
    Object.defineProperty(out, key, {
      value: encoded,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function encodeEntries(map: Map<unknown, unknown>, ctx: EncodeContext): Json {
  const out: Json[] = [];
  let i = 0;
  for (const [key, entry] of map) {
    ctx.path.push(`[Map key #${i}]`);
    const k = encodeValue(key, ctx);
    ctx.path.pop();
    ctx.path.push(`.get(#${i})`);
    out.push([k, encodeValue(entry, ctx)]);
    ctx.path.pop();
    i += 1;
  }
  return out;
}

/** `[tag, base64]` for the containers written as raw bytes. */
function encodeBytes(value: object): [string, string] | undefined {
  if (Buffer.isBuffer(value)) return ['Buffer', value.toString('base64')];
  if (value instanceof Uint8Array) {
    return ['Uint8Array', base64(value)];
  }
  if (value instanceof ArrayBuffer) {
    return ['ArrayBuffer', base64(new Uint8Array(value))];
  }
  if (value instanceof DataView) {
    const view = new Uint8Array(
      value.buffer,
      value.byteOffset,
      value.byteLength,
    );
    return ['DataView', base64(view)];
  }
  return undefined;
}

const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
    'base64',
  );

function numericArrayTag(value: object): NumericArrayTag | undefined {
  for (const [tag, ctor] of Object.entries(NUMERIC_ARRAYS)) {
    if (value instanceof ctor) return tag as NumericArrayTag;
  }
  return undefined;
}

function numericValues(array: ArrayLike<number | bigint>): Json[] {
  const out: Json[] = [];
  for (let i = 0; i < array.length; i += 1) {
    const item = array[i]!;
    out.push(
      typeof item === 'bigint'
        ? item.toString()
        : (specialNumber(item) ?? item),
    );
  }
  return out;
}

function unencodable(ctx: EncodeContext, reason: string): RunStateError {
  const path = ctx.path.join('').replace(/^\./, '');
  return new RunStateError(
    'E_UNSTORABLE',
    `cannot export the value at ${path === '' ? '(the root)' : path}: ${reason}`,
    { details: { path, reason } },
  );
}
