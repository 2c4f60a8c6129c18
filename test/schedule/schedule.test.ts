import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkSchedule,
  nextSavepoint,
  previousSavepoint,
  unreachedSavepoints,
  unreachedSavepointsCount,
} from '../../src/index.js';

const S = 60_000;

describe('previousSavepoint()', () => {
  it.each([
    [30_000, 0],
    [60_000, 60_000],
    [119_999, 60_000],
    [0, 0],
  ])('previousSavepoint(60 000, %i) is %i (spec §2)', (t, expected) => {
    expect(previousSavepoint(S, t)).toBe(expected);
  });
});

describe('nextSavepoint()', () => {
  it.each([
    [0, 60_000],
    [59_999, 60_000],
    [60_000, 120_000],
  ])(
    'nextSavepoint(60 000, %i) is %i, strictly after (spec §2)',
    (t, expected) => {
      expect(nextSavepoint(S, t)).toBe(expected);
    },
  );
});

describe('unreachedSavepoints()', () => {
  it.each([
    [60_000, 185_000, [120_000, 180_000]],
    [60_000, 180_000, [120_000, 180_000]],
    [60_000, 119_999, []],
  ])(
    'lists multiples in (%i, %i] ascending (spec §2)',
    (from, to, expected) => {
      expect(unreachedSavepoints(S, from, to)).toEqual(expected);
      expect(unreachedSavepointsCount(S, from, to)).toBe(expected.length);
    },
  );

  it('is empty, and counts 0, when to < from', () => {
    expect(unreachedSavepoints(S, 200_000, 100_000)).toEqual([]);
    expect(unreachedSavepointsCount(S, 200_000, 100_000)).toBe(0);
  });

  it('refuses to build an enormous list', () => {
    expect(() => unreachedSavepoints(1, 0, 1e12)).toThrow(RangeError);
    expect(unreachedSavepointsCount(1, 0, 1e12)).toBe(1e12);
  });

  it('agrees with its count and with the definition for any inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: -50, max: 200 }),
        fc.integer({ min: 0, max: 99_999 }),
        (s, from, steps, extra) => {
          const to = Math.max(0, from + steps * s + (extra % s));
          const list = unreachedSavepoints(s, from, to);
          expect(list.length).toBe(unreachedSavepointsCount(s, from, to));
          for (const m of list) {
            expect(m % s).toBe(0);
            expect(m > from && m <= to).toBe(true);
          }
          if (to >= from) {
            expect(list[0] ?? nextSavepoint(s, from)).toBe(
              nextSavepoint(s, from),
            );
          }
        },
      ),
    );
  });
});

describe('schedule arithmetic argument checks', () => {
  it.each([
    ['schedule', () => previousSavepoint(0, 5), RangeError, /schedule.*0/],
    ['schedule', () => nextSavepoint(-60, 5), RangeError, /schedule.*-60/],
    ['schedule', () => nextSavepoint(1.5, 5), RangeError, /schedule.*1\.5/],
    [
      'schedule',
      () => nextSavepoint('60' as never, 5),
      TypeError,
      /schedule.*"60"/,
    ],
    ['timestamp', () => nextSavepoint(S, -1), RangeError, /timestamp.*-1/],
    ['timestamp', () => nextSavepoint(S, NaN), RangeError, /timestamp.*NaN/],
    ['timestamp', () => nextSavepoint(S, 2 ** 60), RangeError, /timestamp/],
    [
      'timestamp',
      () => previousSavepoint(S, null as never),
      TypeError,
      /timestamp.*null/,
    ],
    ['from', () => unreachedSavepoints(S, -5, 10), RangeError, /from.*-5/],
    ['to', () => unreachedSavepointsCount(S, 5, 0.5), RangeError, /to.*0\.5/],
  ])('names %s and the value', (_name, call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it("checkSchedule accepts 'none' and positive integers only", () => {
    expect(checkSchedule('none')).toBe('none');
    expect(checkSchedule(1000)).toBe(1000);
    expect(() => checkSchedule('never')).toThrow(TypeError);
    expect(() => checkSchedule(Infinity)).toThrow(RangeError);
  });
});

/** Near `Number.MAX_SAFE_INTEGER` (issue 11, defect 6). */
describe('schedule arithmetic at the edge of safe integers', () => {
  const MAX = Number.MAX_SAFE_INTEGER;
  const BIG_MAX = BigInt(MAX);
  /** Schedules small and large, timestamps anywhere, mostly near MAX. */
  const schedules = fc.oneof(
    fc.integer({ min: 1, max: 100_000 }),
    fc.integer({ min: 1, max: MAX }),
  );
  const timestamps = fc.oneof(
    fc.integer({ min: MAX - 1_000_000, max: MAX }),
    fc.integer({ min: 0, max: MAX }),
  );

  it('nextSavepoint(60 000, MAX) throws a RangeError naming the timestamp', () => {
    expect(() => nextSavepoint(S, MAX)).toThrow(RangeError);
    expect(() => nextSavepoint(S, MAX)).toThrow(
      /timestamp 9007199254740991 has no next savepoint on schedule 60000.*9007199254800000/,
    );
    expect(() => nextSavepoint(MAX, 0)).not.toThrow();
    expect(nextSavepoint(MAX, MAX - 1)).toBe(MAX);
    expect(() => nextSavepoint(MAX, MAX)).toThrow(RangeError);
  });

  it('nextSavepoint returns the exact next multiple when it is safe, and throws a RangeError otherwise', () => {
    fc.assert(
      fc.property(schedules, timestamps, (s, t) => {
        const exact = (BigInt(t) / BigInt(s) + 1n) * BigInt(s);
        if (exact > BIG_MAX) {
          expect(() => nextSavepoint(s, t)).toThrow(RangeError);
        } else {
          expect(BigInt(nextSavepoint(s, t))).toBe(exact);
        }
      }),
    );
  });

  it('previousSavepoint is the exact multiple, never unsafe', () => {
    fc.assert(
      fc.property(schedules, timestamps, (s, t) => {
        const exact = (BigInt(t) / BigInt(s)) * BigInt(s);
        expect(BigInt(previousSavepoint(s, t))).toBe(exact);
      }),
    );
  });

  it('unreachedSavepointsCount and unreachedSavepoints are exact near MAX', () => {
    fc.assert(
      fc.property(
        schedules,
        timestamps,
        fc.integer({ min: 0, max: 5_000_000 }),
        (s, to, back) => {
          const from = Math.max(0, to - back);
          const exact = BigInt(to) / BigInt(s) - BigInt(from) / BigInt(s);
          expect(BigInt(unreachedSavepointsCount(s, from, to))).toBe(exact);
          if (exact > 10_000n) return;
          const list = unreachedSavepoints(s, from, to);
          expect(list).toHaveLength(Number(exact));
          for (const m of list) {
            expect(Number.isSafeInteger(m)).toBe(true);
            expect(m % s).toBe(0);
            expect(m > from && m <= to).toBe(true);
          }
        },
      ),
    );
  });
});
