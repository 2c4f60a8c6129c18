/**
 * Decode tagged JSON back into a value, strictly: anything that is not
 * exactly the documented form is refused with its JSON path. Decoding runs
 * no user code and never sets a prototype.
 *
 * @packageDocumentation
 */
import { invalidAt, keyPath } from './invalid.js';
import {
  arrayAt,
  decodeDate,
  decodeRegExp,
  expectKeys,
} from './tagged-decode-checks.js';
import {
  decodeBytes,
  decodeNumericArray,
  isBytesTag,
  isNumericTag,
} from './tagged-decode-arrays.js';
import { SPECIAL_NUMBERS, isPlainObject } from './tagged-types.js';
import { show } from '../validate.js';

type JsonObject = Readonly<Record<string, unknown>>;

/** Decoder state for one value: the objects given ids so far. */
interface DecodeContext {
  readonly ids: Map<number, object>;
}

/**
 * Decode tagged JSON written by {@link encodeTagged}.
 *
 * @remarks
 * Strict: an unknown tag, a missing or extra key, a wrong type, a number
 * out of a typed array's range, non-canonical base64, an unparsable date,
 * a reference to an id not defined before it, or ids out of order are all
 * refused. Object keys, `"__proto__"` included, become own data
 * properties; nothing is executed.
 *
 * @example
 * ```ts
 * decodeTagged({ $: 'Set', values: [1, { $: 'bigint', value: '2' }] });
 * // Set(2) { 1, 2n }
 * ```
 * @param json - a parsed JSON value
 * @param path - the JSON path of `json`, for error messages
 * @defaultValue path `'$'`
 * @returns the value
 * @throws `RunStateError` `E_INVALID_IMPORT` with `details: { path, reason }`
 * @see {@link encodeTagged}
 */
export function decodeTagged(json: unknown, path = '$'): unknown {
  if (typeof path !== 'string') {
    throw new TypeError(`path must be a string, got ${show(path)}`);
  }
  return decodeValue(json, path, { ids: new Map() });
}

function decodeValue(json: unknown, path: string, ctx: DecodeContext): unknown {
  if (json === null || typeof json === 'string' || typeof json === 'boolean')
    return json;
  if (typeof json === 'number') {
    if (!Number.isFinite(json) || Object.is(json, -0)) {
      throw invalidAt(path, `the number ${String(json)} must be tagged`);
    }
    return json;
  }
  if (Array.isArray(json)) {
    const out: unknown[] = [];
    decodeInto(out, json, path, ctx);
    return out;
  }
  if (typeof json !== 'object' || !isPlainObject(json)) {
    throw invalidAt(path, 'not a JSON value');
  }
  const object = json as JsonObject;
  if (!Object.hasOwn(object, '$')) {
    return decodeFields({}, object, path, ctx);
  }
  return decodeTag(object, path, ctx);
}

function decodeInto(
  out: unknown[],
  items: readonly unknown[],
  path: string,
  ctx: DecodeContext,
): void {
  for (let i = 0; i < items.length; i += 1) {
    out.push(decodeValue(items[i], `${path}[${i}]`, ctx));
  }
}

function decodeFields(
  out: Record<string, unknown>,
  fields: JsonObject,
  path: string,
  ctx: DecodeContext,
): Record<string, unknown> {
  for (const key of Object.keys(fields)) {
    Object.defineProperty(out, key, {
      value: decodeValue(fields[key], keyPath(path, key), ctx),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function decodeTag(tagged: JsonObject, path: string, ctx: DecodeContext) {
  const tag = tagged.$;
  switch (tag) {
    case 'undefined':
      expectKeys(tagged, path, []);
      return undefined;
    case 'number':
      return decodeSpecialNumber(tagged, path);
    case 'bigint':
      return decodeBigint(tagged, path);
    case 'ref':
      return decodeRef(tagged, path, ctx);
    default:
      return decodeContainer(tagged, path, ctx);
  }
}

function decodeSpecialNumber(tagged: JsonObject, path: string): number {
  expectKeys(tagged, path, ['value']);
  const number = SPECIAL_NUMBERS.get(String(tagged.value));
  if (typeof tagged.value !== 'string' || number === undefined) {
    throw invalidAt(
      `${path}.value`,
      'must be one of "NaN", "Infinity", "-Infinity", "-0"',
    );
  }
  return number;
}

function decodeBigint(tagged: JsonObject, path: string): bigint {
  expectKeys(tagged, path, ['value']);
  const { value } = tagged;
  if (typeof value !== 'string' || !/^-?(?:0|[1-9]\d*)$/.test(value)) {
    throw invalidAt(`${path}.value`, 'must be a decimal integer string');
  }
  if (value === '-0') throw invalidAt(`${path}.value`, 'must not be "-0"');
  return BigInt(value);
}

function decodeRef(tagged: JsonObject, path: string, ctx: DecodeContext) {
  expectKeys(tagged, path, ['id']);
  const target =
    typeof tagged.id === 'number' ? ctx.ids.get(tagged.id) : undefined;
  if (target === undefined) {
    throw invalidAt(
      `${path}.id`,
      'must be the id of an object defined before this reference',
    );
  }
  return target;
}

/** Decode a tagged object that may carry an `"id"`. */
function decodeContainer(
  tagged: JsonObject,
  path: string,
  ctx: DecodeContext,
): object {
  const tag = tagged.$;
  if (typeof tag !== 'string') throw invalidAt(`${path}.$`, 'not a tag');
  const body = CONTAINERS[tag];
  if (body === undefined && !isBytesTag(tag) && !isNumericTag(tag)) {
    throw invalidAt(`${path}.$`, `unknown tag ${JSON.stringify(tag)}`);
  }
  const hasId = Object.hasOwn(tagged, 'id');
  if (hasId && tagged.id !== ctx.ids.size + 1) {
    throw invalidAt(
      `${path}.id`,
      `must be ${ctx.ids.size + 1} (ids count up from 1 in document order)`,
    );
  }
  const register = (object: object): void => {
    if (hasId) ctx.ids.set(ctx.ids.size + 1, object);
  };
  if (body !== undefined) {
    expectKeys(tagged, path, [...body.keys, ...(hasId ? ['id'] : [])]);
    return body.decode(tagged, path, ctx, register);
  }
  expectKeys(tagged, path, [
    isBytesTag(tag) ? 'base64' : 'values',
    ...(hasId ? ['id'] : []),
  ]);
  const value = isBytesTag(tag)
    ? decodeBytes(tag, tagged.base64, `${path}.base64`)
    : decodeNumericArray(tag as never, tagged.values, `${path}.values`);
  register(value);
  return value;
}

type Register = (object: object) => void;

interface ContainerDecoder {
  readonly keys: readonly string[];
  decode(
    tagged: JsonObject,
    path: string,
    ctx: DecodeContext,
    register: Register,
  ): object;
}

const CONTAINERS: Readonly<Record<string, ContainerDecoder>> = {
  object: {
    keys: ['value'],
    decode(tagged, path, ctx, register) {
      const fields = tagged.value;
      const at = `${path}.value`;
      if (
        fields === null ||
        typeof fields !== 'object' ||
        Array.isArray(fields)
      )
        throw invalidAt(at, 'must be an object');
      const out = {};
      register(out);
      return decodeFields(out, fields as JsonObject, at, ctx);
    },
  },
  Array: {
    keys: ['items'],
    decode(tagged, path, ctx, register) {
      const items = arrayAt(tagged.items, `${path}.items`);
      const out: unknown[] = [];
      register(out);
      decodeInto(out, items, `${path}.items`, ctx);
      return out;
    },
  },
  Map: {
    keys: ['entries'],
    decode(tagged, path, ctx, register) {
      const entries = arrayAt(tagged.entries, `${path}.entries`);
      const out = new Map<unknown, unknown>();
      register(out);
      entries.forEach((entry, i) => {
        const at = `${path}.entries[${i}]`;
        const pair = arrayAt(entry, at);
        if (pair.length !== 2) throw invalidAt(at, 'must be a [key, value]');
        const key = decodeValue(pair[0], `${at}[0]`, ctx);
        out.set(key, decodeValue(pair[1], `${at}[1]`, ctx));
      });
      return out;
    },
  },
  Set: {
    keys: ['values'],
    decode(tagged, path, ctx, register) {
      const values = arrayAt(tagged.values, `${path}.values`);
      const out = new Set<unknown>();
      register(out);
      values.forEach((v, i) =>
        out.add(decodeValue(v, `${path}.values[${i}]`, ctx)),
      );
      return out;
    },
  },
  Date: {
    keys: ['value'],
    decode(tagged, path, _ctx, register) {
      const out = decodeDate(tagged.value, `${path}.value`);
      register(out);
      return out;
    },
  },
  RegExp: {
    keys: ['source', 'flags'],
    decode(tagged, path, _ctx, register) {
      const out = decodeRegExp(tagged, path);
      register(out);
      return out;
    },
  },
};
