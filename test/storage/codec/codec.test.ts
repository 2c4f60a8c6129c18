import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createCodec, defaultCodec } from '../../../src/storage/codec/codec.js';

const encoder = createCodec();

/** Encode with one instance, decode with a brand-new one (a fresh process). */
function roundTrip<T>(value: T): T {
  return createCodec().decode(encoder.encode(value)) as T;
}

const typedArrays = [
  new Int8Array([-1, 2]),
  new Uint8Array([1, 255]),
  new Uint8ClampedArray([0, 255]),
  new Int16Array([-300, 300]),
  new Uint16Array([65535]),
  new Int32Array([-(2 ** 31)]),
  new Uint32Array([2 ** 32 - 1]),
  new Float32Array([1.5, -0.25]),
  new Float64Array([Math.PI, NaN, -Infinity]),
  new BigInt64Array([-(2n ** 63n), 1n]),
  new BigUint64Array([2n ** 64n - 1n]),
];

describe('codec', () => {
  it.each([
    ['a nested plain object', { a: { b: [1, 'x', true, null] } }],
    ['an object with numeric-looking keys', { '2': 'x', '10': 'y', a: 1 }],
    ['arrays, empty ones included', [[], [1, [2, [3]]], {}]],
    [
      'a Map with number, string and object keys',
      new Map<unknown, unknown>([
        [2, 'n'],
        ['2', 's'],
        [{ k: 1 }, 'o'],
      ]),
    ],
    ['a Set', new Set([1, 'a', { b: 2 }, 1n])],
    ['a Date', new Date(1_700_000_000_123)],
    [
      'bigints, small, 64-bit and larger, negative',
      [
        0n,
        5n,
        -5n,
        2n ** 63n,
        -(2n ** 63n) - 1n,
        2n ** 64n,
        -(2n ** 70n),
        2n ** 300n,
      ],
    ],
    ['every typed array', typedArrays],
    ['a Buffer', Buffer.from('héllo')],
    ['an ArrayBuffer', new Uint8Array([9, 8, 7]).buffer],
    ['a DataView', new DataView(new Uint8Array([7, 6]).buffer)],
    ['a RegExp with flags', /a+b\/c/giu],
    ['undefined, at the root', undefined],
    ['undefined properties', { a: undefined, b: [undefined] }],
    ['null, NaN and the infinities', [null, NaN, Infinity, -Infinity]],
    [
      'unicode strings',
      ['', 'héllo', '😀 family 👨‍👩‍👧', '\u0000', 'x'.repeat(70_000)],
    ],
    ['booleans', [true, false]],
    [
      'large safe integers',
      [2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 32 + 1, -(2 ** 31) - 1, 0.1],
    ],
  ])('round-trips %s', (_name, value) => {
    const decoded = roundTrip(value);
    expect(decoded).toStrictEqual(value);
    if (value !== null && typeof value === 'object') {
      expect(Object.getPrototypeOf(decoded)).toBe(Object.getPrototypeOf(value));
    }
  });

  it('keeps number and string keys of a Map apart, and Maps apart from objects', () => {
    const decoded = roundTrip({
      m: new Map<unknown, string>([
        [2, 'n'],
        ['2', 's'],
      ]),
      o: { '2': 's' },
    });
    expect(decoded.m).toBeInstanceOf(Map);
    expect([...decoded.m.keys()]).toStrictEqual([2, '2']);
    expect(decoded.o).not.toBeInstanceOf(Map);
    expect(Object.keys(decoded.o)).toStrictEqual(['2']);
  });

  it('keeps the class of every typed array and of a Buffer', () => {
    const values = [...typedArrays, Buffer.from('ab')];
    const decoded = roundTrip(values);
    expect(decoded.map((v) => v.constructor)).toStrictEqual(
      values.map((v) => v.constructor),
    );
    expect(Buffer.isBuffer(decoded.at(-1))).toBe(true);
  });

  it('stores only the bytes a typed array or DataView views', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const decoded = roundTrip([
      bytes.subarray(1, 3),
      new DataView(bytes.buffer, 2, 2),
    ]);
    expect(decoded[0]).toStrictEqual(new Uint8Array([2, 3]));
    expect(new Uint8Array(decoded[1]!.buffer)).toStrictEqual(
      new Uint8Array([3, 4]),
    );
  });

  it('round-trips an invalid Date', () => {
    expect(Number.isNaN(roundTrip(new Date(NaN)).getTime())).toBe(true);
  });

  it('preserves shared references and cycles', () => {
    const shared = { n: 1 };
    const state: Record<string, unknown> = {
      a: shared,
      b: [shared],
      m: new Map([['k', shared]]),
    };
    state.self = state;
    const set = new Set<unknown>();
    set.add(set);
    state.set = set;
    const decoded = roundTrip(state);
    expect(decoded.a).toBe((decoded.b as unknown[])[0]);
    expect(decoded.a).toBe((decoded.m as Map<string, unknown>).get('k'));
    expect(decoded.self).toBe(decoded);
    expect((decoded.set as Set<unknown>).has(decoded.set)).toBe(true);
    expect(decoded.a).not.toBe(shared);
  });

  it('decodes a null-prototype object as a plain object', () => {
    const value = Object.assign(Object.create(null) as object, { a: 1 });
    const decoded = roundTrip(value);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(decoded).toEqual({ a: 1 });
  });

  it('decodes -0 as 0 (documented caveat)', () => {
    expect(Object.is(roundTrip(-0), 0)).toBe(true);
    expect(Object.is(roundTrip([-0])[0], 0)).toBe(true);
  });

  it('decodes sparse-array holes as undefined elements (documented caveat)', () => {
    // eslint-disable-next-line no-sparse-arrays
    const decoded = roundTrip([1, , 3]);
    expect(decoded).toHaveLength(3);
    expect(1 in decoded).toBe(true);
    expect(decoded[1]).toBeUndefined();
  });

  it('gives independent, frozen instances', () => {
    const a = createCodec();
    expect(a).not.toBe(createCodec());
    expect(Object.isFrozen(a)).toBe(true);
    expect(defaultCodec.decode(a.encode([1]))).toStrictEqual([1]);
  });

  it('returns arrays that own their bytes and alias nothing', () => {
    const state = { list: [1, 2], bytes: new Uint8Array([5]) };
    const first = encoder.encode(state);
    const copy = Uint8Array.from(first);
    const second = encoder.encode(state);
    const end = (b: Uint8Array) => b.byteOffset + b.byteLength;
    const overlap =
      first.buffer === second.buffer &&
      first.byteOffset < end(second) &&
      second.byteOffset < end(first);
    expect(overlap).toBe(false);
    for (let i = 0; i < 2_000; i++)
      encoder.encode({ filler: i, s: 'y'.repeat(i % 300) });
    expect(first).toStrictEqual(copy);
    state.list.push(3);
    state.bytes[0] = 6;
    encoder.encode({ other: 'x'.repeat(100) });
    expect(first).toStrictEqual(copy);
    second.fill(0);
    expect(first).toStrictEqual(copy);
    expect(createCodec().decode(first)).toStrictEqual({
      list: [1, 2],
      bytes: new Uint8Array([5]),
    });
  });

  it('decodes fresh values that share nothing with the blob', () => {
    const bytes = encoder.encode({
      b: Buffer.from('ab'),
      u: new Uint8Array([1]),
    });
    const before = Uint8Array.from(bytes);
    const one = encoder.decode(bytes) as { b: Buffer; u: Uint8Array };
    const two = encoder.decode(bytes) as { b: Buffer; u: Uint8Array };
    expect(one).not.toBe(two);
    one.b[0] = 0;
    one.u[0] = 0;
    expect(bytes).toStrictEqual(before);
    expect(two.b.toString()).toBe('ab');
    expect(Object.getOwnPropertyNames(bytes)).toHaveLength(bytes.length);
  });

  it('decodes a blob inside a larger buffer and from a Buffer', () => {
    const bytes = encoder.encode({ a: 1 });
    const big = new Uint8Array(bytes.length + 10);
    big.set(bytes, 5);
    expect(encoder.decode(big.subarray(5, 5 + bytes.length))).toStrictEqual({
      a: 1,
    });
    expect(encoder.decode(Buffer.from(bytes))).toStrictEqual({ a: 1 });
  });
  it('round-trips random JSON-like values with Map, Set, Date and bigint', () => {
    const key = fc
      .string({ unit: 'binary', maxLength: 6 })
      .filter((k) => k !== '__proto__');
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.double().map((n) => (Object.is(n, -0) ? 0 : n)),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt(),
      fc.date({ noInvalidDate: true }),
    );
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
        fc
          .array(fc.tuple(fc.oneof(key, fc.integer()), tie('value')), {
            maxLength: 4,
          })
          .map((e) => new Map(e)),
        fc.array(leaf, { maxLength: 4 }).map((members) => new Set(members)),
      ),
    }));
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});
