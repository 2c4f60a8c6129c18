/**
 * Compile-time checks of `defineMigrations`: `tsc --noEmit` (part of
 * `npm test`) fails if a `@ts-expect-error` below is not an error, so each
 * marks a mistake the types must catch. The runtime test only keeps vitest
 * from reporting an empty file.
 */
import { describe, expect, it } from 'vitest';
import { defineMigrations, mapStates } from '../../src/index.js';

type Shapes = {
  0: { count: number };
  1: { count: number; unit: string };
  2: { total: number };
};

export const good = defineMigrations<Shapes>({
  1: (states) => states.map(([id, s]) => [id, { ...s, unit: 'pcs' }] as const),
  2: mapStates((s) => ({ total: s.count })),
});

export const wrongReturn = defineMigrations<Shapes>({
  1: mapStates((s) => ({ ...s, unit: 'pcs' })),
  // @ts-expect-error: step 2 must return Shapes[2] ({ total: number })
  2: mapStates((s) => ({ count: s.count })),
});

export const wrongWholeStep = defineMigrations<Shapes>({
  // @ts-expect-error: step 1 returns pairs whose state lacks `unit`
  1: (states) => states.map(([id, s]) => [id, { count: s.count }] as const),
  2: mapStates((s) => ({ total: s.count })),
});

export const readsWrongShape = defineMigrations<Shapes>({
  1: mapStates((s) => ({ ...s, unit: 'pcs' })),
  // @ts-expect-error: step 2 reads Shapes[1], which has no `total`
  2: mapStates((s) => ({ total: s.total as number })),
});

// @ts-expect-error: step 2 is missing from the declared shapes
export const missingStep = defineMigrations<Shapes>({
  1: mapStates((s) => ({ ...s, unit: 'pcs' })),
});

describe('defineMigrations types', () => {
  it('builds the well-typed chain', () => {
    expect(good.version).toBe(2);
  });
});
