import { describe, expect, it } from 'vitest';
import {
  NOT_SET,
  createEntityIndex,
  createSavepoint,
  entityStates,
  isComplete,
  missingEntities,
  saveToSavepoint,
} from '../../src/index.js';

describe('createSavepoint()', () => {
  it('registers every id unset', () => {
    const sp = createSavepoint<string>(60_000, ['a', 'b']);
    expect(sp.timestamp).toBe(60_000);
    expect(sp.slots).toEqual([NOT_SET, NOT_SET]);
    expect(missingEntities(sp)).toEqual(['a', 'b']);
    expect(isComplete(sp)).toBe(false);
  });

  it('rejects duplicate ids with a TypeError naming the id (spec §4)', () => {
    expect(() => createSavepoint(60_000, ['a', 'b', 'a'])).toThrow(TypeError);
    expect(() => createEntityIndex(['x', 'x'])).toThrow(/"x" twice/);
  });

  it('rejects ids that are not non-empty strings', () => {
    expect(() => createSavepoint(0, [''])).toThrow(RangeError);
    expect(() => createSavepoint(0, [7 as never])).toThrow(TypeError);
  });

  it.each([null, 5, {}, Symbol('s')])(
    'rejects ids that are not iterable (%s) with a TypeError naming ids',
    (ids) => {
      expect(() => createEntityIndex(ids as never)).toThrow(
        /^ids must be an iterable/,
      );
      expect(() => createSavepoint(0, ids as never)).toThrow(TypeError);
    },
  );

  it('is complete at once with zero entities', () => {
    expect(isComplete(createSavepoint(0, []))).toBe(true);
  });
});

describe('saveToSavepoint()', () => {
  it('sets an unset id and reports "set"', () => {
    const sp = createSavepoint<string>(0, ['a', 'b']);
    expect(saveToSavepoint(sp, 'a', 'A1')).toBe('set');
    expect(entityStates(sp)).toEqual([['a', 'A1']]);
    expect(missingEntities(sp)).toEqual(['b']);
  });

  it('ignores a second write: the first write wins (spec §4)', () => {
    const sp = createSavepoint<string>(0, ['a']);
    saveToSavepoint(sp, 'a', 'first');
    expect(saveToSavepoint(sp, 'a', 'second')).toBe('duplicate');
    expect(entityStates(sp)).toEqual([['a', 'first']]);
    expect(sp.filled).toBe(1);
  });

  it('ignores and reports an unknown id, never registering it', () => {
    const sp = createSavepoint<string>(0, ['a']);
    expect(saveToSavepoint(sp, 'ghost', 'x')).toBe('unknown');
    expect(sp.slots).toHaveLength(1);
    expect(entityStates(sp)).toEqual([]);
  });

  it('is complete when every registered id is set', () => {
    const sp = createSavepoint<number>(0, ['a', 'b']);
    saveToSavepoint(sp, 'b', 2);
    expect(isComplete(sp)).toBe(false);
    saveToSavepoint(sp, 'a', 1);
    expect(isComplete(sp)).toBe(true);
    expect(entityStates(sp)).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('can store undefined and null as real states', () => {
    const sp = createSavepoint<unknown>(0, ['a', 'b']);
    saveToSavepoint(sp, 'a', undefined);
    saveToSavepoint(sp, 'b', null);
    expect(isComplete(sp)).toBe(true);
  });
});
