import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnstorableTracked } from '../../../src/storage/codec/codec-check.js';
import { passesFastWalk } from '../../../src/storage/codec/codec-fast-walk.js';

class Point {
  x = 1;
}

/** Values the codec refuses, each wrapped so it can sit anywhere in a state. */
const problem = fc.constantFrom<() => unknown>(
  () => () => 1,
  () => Symbol('s'),
  () => 'lone \uD800 surrogate',
  () => new Point(),
  () => new (class Registry extends Map {})(),
  () => new TypeError('x'),
  () => new WeakMap(),
  () => Promise.resolve(1),
  () => JSON.parse('{"__proto__": 1}') as unknown,
  () => ({ [Symbol('tag')]: 1 }),
  () => runInNewContext('({ a: 1 })') as unknown,
  () => runInNewContext('[1, 2]') as unknown,
);

const leaf = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.date(),
  fc.uint8Array({ maxLength: 4 }),
  fc.float64Array({ maxLength: 2 }),
  fc.constant(Buffer.from('ab')),
  problem.map((make) => make()),
);

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.sparseArray(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
    tie('value').map((shared) => ({ left: shared, right: [shared] })),
    fc
      .array(fc.tuple(fc.oneof(fc.string(), tie('value')), tie('value')), {
        maxLength: 3,
      })
      .map((entries) => new Map(entries)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
  ),
}));

describe('the fast storability walk', () => {
  it('vouches for a state exactly when the tracked walk finds no problem', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(passesFastWalk(v)).toBe(findUnstorableTracked(v) === undefined);
      }),
      { numRuns: 3000 },
    );
  });

  it('hands over, without a verdict, past its depth and size bounds', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(passesFastWalk(deep)).toBe(false);
    expect(findUnstorableTracked(deep)).toBeUndefined();
    const wide = Array.from({ length: 20_000 }, () => ({}));
    expect(passesFastWalk(wide)).toBe(false);
    expect(findUnstorableTracked(wide)).toBeUndefined();
  });

  it('never walks a cycle forever', () => {
    const cyclic: Record<string, unknown> = { list: [1, 'a'] };
    cyclic.self = cyclic;
    expect(passesFastWalk(cyclic)).toBe(false);
    expect(findUnstorableTracked(cyclic)).toBeUndefined();
  });
});
