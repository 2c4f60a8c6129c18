import { describe, it, expect } from 'vitest';
import { RunStateError } from '../../../src/errors.js';
import {
  createCodec,
  defaultCodec,
  encodeEntityState,
  type Codec,
} from '../../../src/storage/codec/codec.js';
import { thrown } from '../../support/thrown.js';

const encoder = createCodec();

class Point {
  constructor(
    readonly x = 1,
    readonly y = 2,
  ) {}
}

describe('codec.encode() unstorable values', () => {
  const fn = (): void => undefined;
  const deep = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };
  it.each([
    ['a function at the root', fn, '', 'a function'],
    [
      'a function inside an array',
      { items: [0, 1, 2, { onChange: fn }] },
      'items[3].onChange',
      'a function',
    ],
    ['a symbol value', { s: Symbol('x') }, 's', 'a symbol'],
    [
      'a symbol key',
      { cfg: { [Symbol('tag')]: 1 } },
      'cfg[Symbol(tag)]',
      'a symbol-keyed property',
    ],
    ['a class instance', { p: new Point() }, 'p', 'an instance of class Point'],
    [
      'a Map subclass',
      { m: new (class Registry extends Map {})() },
      'm',
      'an instance of class Registry',
    ],
    ['an Error', { e: new TypeError('x') }, 'e', 'an Error (TypeError)'],
    ['a WeakMap', [new WeakMap()], '[0]', 'a WeakMap'],
    ['a WeakSet', [new WeakSet()], '[0]', 'a WeakSet'],
    ['a Promise', { p: Promise.resolve(1) }, 'p', 'a Promise'],
    [
      'an own __proto__ property',
      { a: JSON.parse('{"__proto__": 1}') as unknown },
      'a.__proto__',
      'an own property named "__proto__"',
    ],
    [
      'an own __proto__ property at the root',
      JSON.parse('{"__proto__": 1}') as unknown,
      '__proto__',
      'an own property named "__proto__"',
    ],
    [
      'a function under an odd key',
      { a: { 'odd key': fn } },
      'a["odd key"]',
      'a function',
    ],
    [
      'a function under an odd key at the root',
      { 'x-y': fn },
      '["x-y"]',
      'a function',
    ],
    [
      'a Map value',
      {
        m: new Map<unknown, unknown>([
          ['k', 1],
          [2, fn],
        ]),
      },
      'm.get(2)',
      'a function',
    ],
    [
      'a Map value under a string key',
      { m: new Map([['k', fn]]) },
      'm.get("k")',
      'a function',
    ],
    ['a Map key', { m: new Map([[fn, 1]]) }, 'm[Map key #0]', 'a function'],
    ['a Set member', { s: new Set([1, fn]) }, 's[Set #1]', 'a function'],
    [
      'a lone surrogate',
      { name: 'a\uD800' },
      'name',
      'a string with a lone surrogate (not valid UTF-16)',
    ],
    [
      'nesting deeper than 500 levels',
      deep(600),
      '[0]'.repeat(500),
      'nesting deeper than 500 levels',
    ],
  ])('rejects %s with its path', (_name, state, path, reason) => {
    const error = thrown(() => encoder.encode(state));
    expect(error.code).toBe('E_UNSTORABLE');
    expect(error.details).toStrictEqual({ path, reason });
    expect(error.message).toBe(
      path === ''
        ? `cannot store value: ${reason}`
        : `cannot store value at ${path}: ${reason}`,
    );
  });

  it('finds a problem inside a cycle without looping', () => {
    const state: Record<string, unknown> = { list: [] };
    state.self = state;
    (state.list as unknown[]).push(state, { fn });
    expect(thrown(() => encoder.encode(state)).details.path).toBe('list[1].fn');
  });

  it('walks heavily shared graphs and deep chains in linear time', () => {
    let diamond: unknown = { leaf: 1 };
    for (let i = 0; i < 40; i++) diamond = { left: diamond, right: diamond };
    expect(encoder.decode(encoder.encode({ diamond }))).toBeDefined();
    const chain = deep(500);
    expect(encoder.decode(encoder.encode(chain))).toStrictEqual(chain);
    expect(thrown(() => encoder.encode([diamond, fn])).details.path).toBe(
      '[1]',
    );
  });
});
describe('encodeEntityState()', () => {
  it('encodes like the codec does', () => {
    expect(
      defaultCodec.decode(
        encodeEntityState(defaultCodec, 'orders', { a: [1] }),
      ),
    ).toStrictEqual({ a: [1] });
  });

  it('names the entity and the path of an unstorable value', () => {
    const state = { items: [0, 1, 2, { onChange: () => 1 }] };
    const error = thrown(() =>
      encodeEntityState(defaultCodec, 'orders', state),
    );
    expect(error.code).toBe('E_UNSTORABLE');
    expect(error.message).toBe(
      'cannot store state of entity "orders" at orders → items[3].onChange: a function',
    );
    expect(error.details).toStrictEqual({
      entityId: 'orders',
      path: 'items[3].onChange',
      reason: 'a function',
    });
    expect(error.cause).toBeInstanceOf(RunStateError);
  });

  it('names only the entity when the state itself is unstorable', () => {
    const error = thrown(() =>
      encodeEntityState(defaultCodec, 'orders', Symbol('s')),
    );
    expect(error.message).toBe(
      'cannot store state of entity "orders" at orders: a symbol',
    );
    expect(error.details.path).toBe('');
  });

  it('rethrows other errors of the codec unchanged', () => {
    const failure = new Error('disk on fire');
    const codec: Codec = {
      formatVersion: 1,
      encode: () => {
        throw failure;
      },
      decode: () => undefined,
    };
    expect(() => encodeEntityState(codec, 'orders', 1)).toThrow(failure);
  });

  it('throws a TypeError naming a bad argument', () => {
    expect(() => encodeEntityState(null as never, 'orders', 1)).toThrow(
      new TypeError('codec must be a Codec, got null'),
    );
    expect(() => encodeEntityState(defaultCodec, 42 as never, 1)).toThrow(
      /entityId must be a string, got 42/,
    );
  });
});
