import { describe, expect, it } from 'vitest';
import {
  createRunState,
  entityStates,
  saveToRunState,
  type RunState,
} from '../../src/index.js';

const S = 60_000;
const openOf = (rs: RunState<string>) =>
  [...rs.open.values()].map((sp) => [
    sp.timestamp,
    entityStates(sp).map(([id]) => id),
  ]);

describe('createRunState()', () => {
  it('opens one savepoint at nextSavepoint(startFrom) (spec §5.1)', () => {
    const rs = createRunState<string>(S, 10_000, ['A', 'B']);
    expect([...rs.open.keys()]).toEqual([60_000]);
    expect(rs.latestCollected).toBeUndefined();
  });

  it('on a resume opens the following savepoint and counts the loaded one as collected', () => {
    const rs = createRunState<string>(S, 60_000, ['A'], { resumed: true });
    expect([...rs.open.keys()]).toEqual([120_000]);
    expect(rs.latestCollected).toBe(60_000);
  });

  it("opens nothing for schedule 'none' and files nothing", () => {
    const rs = createRunState<string>('none', 10_000, ['A']);
    expect(rs.open.size).toBe(0);
    expect(saveToRunState(rs, 'A', 500_000, 'x').outcome).toBe('stale');
  });

  it('validates its arguments', () => {
    expect(() => createRunState(0, 0, [])).toThrow(RangeError);
    expect(() => createRunState(S, -1, [])).toThrow(/timestamp/);
    expect(() => createRunState(S, 0, ['a', 'a'])).toThrow(TypeError);
    expect(() => createRunState(S, 0, [], { maxOpenSavepoints: 0 })).toThrow(
      /maxOpenSavepoints/,
    );
  });
});

describe('saveToRunState()', () => {
  it('follows the worked example of spec §5.3 step by step', () => {
    const rs = createRunState<string>(S, 10_000, ['A', 'B']);
    expect(openOf(rs)).toEqual([[60_000, []]]);

    const step1 = saveToRunState(rs, 'A', 65_000, 'A@65');
    expect(step1.outcome).toBe('filed');
    expect(step1.complete).toBeUndefined();
    expect(openOf(rs)).toEqual([[60_000, ['A']]]);

    const step2 = saveToRunState(rs, 'B', 130_000, 'B@130');
    expect(step2.complete?.timestamp).toBe(60_000);
    expect(entityStates(step2.complete!)).toEqual([
      ['A', 'A@65'],
      ['B', 'B@130'],
    ]);
    expect(openOf(rs)).toEqual([[120_000, ['B']]]);
    expect(rs.latestCollected).toBe(60_000);

    const step3 = saveToRunState(rs, 'A', 125_000, 'A@125');
    expect(step3.complete?.timestamp).toBe(120_000);
    expect(entityStates(step3.complete!)).toEqual([
      ['A', 'A@125'],
      ['B', 'B@130'],
    ]);
    expect(openOf(rs)).toEqual([]);

    const step4 = saveToRunState(rs, 'A', 50_000, 'A@50');
    expect(step4).toMatchObject({ outcome: 'stale', complete: undefined });
    expect(openOf(rs)).toEqual([]);
  });

  it('creates every skipped savepoint lazily and fills all of them with one save', () => {
    const rs = createRunState<string>(S, 10_000, ['A', 'B']);
    saveToRunState(rs, 'A', 250_000, 'A@250');
    expect(openOf(rs)).toEqual([
      [60_000, ['A']],
      [120_000, ['A']],
      [180_000, ['A']],
      [240_000, ['A']],
    ]);
  });

  it('persists only the newest of several savepoints one save completes', () => {
    const rs = createRunState<string>(S, 10_000, ['A', 'B']);
    saveToRunState(rs, 'A', 250_000, 'A');
    const result = saveToRunState(rs, 'B', 250_000, 'B');
    expect(result.complete?.timestamp).toBe(240_000);
    expect(rs.open.size).toBe(0);
    expect(rs.latestCollected).toBe(240_000);
  });

  it('shares the same state value between every savepoint it fills', () => {
    const rs = createRunState<Uint8Array>(S, 0, ['A', 'B']);
    const bytes = new Uint8Array([1, 2, 3]);
    saveToRunState(rs, 'A', 130_000, bytes);
    const [first, second] = [...rs.open.values()];
    expect(first?.slots[0]).toBe(bytes);
    expect(second?.slots[0]).toBe(bytes);
  });

  it('drops a save older than every open savepoint as stale', () => {
    const rs = createRunState<string>(S, 70_000, ['A']);
    expect([...rs.open.keys()]).toEqual([120_000]);
    expect(saveToRunState(rs, 'A', 100_000, 'x').outcome).toBe('stale');
    expect(openOf(rs)).toEqual([[120_000, []]]);
  });

  it('drops a save at or before latestCollected as stale', () => {
    const rs = createRunState<string>(S, 60_000, ['A'], { resumed: true });
    expect(saveToRunState(rs, 'A', 60_000, 'x').outcome).toBe('stale');
    expect(saveToRunState(rs, 'A', 120_000, 'y').complete?.timestamp).toBe(
      120_000,
    );
  });

  it('ignores an unknown entity without registering it', () => {
    const rs = createRunState<string>(S, 0, ['A']);
    expect(saveToRunState(rs, 'ghost', 70_000, 'x').outcome).toBe('unknown');
    expect(openOf(rs)).toEqual([[60_000, []]]);
    expect(rs.index.ids).toEqual(['A']);
  });

  it('keeps the first write of an entity into a savepoint', () => {
    const rs = createRunState<string>(S, 0, ['A', 'B']);
    saveToRunState(rs, 'A', 60_000, 'first');
    saveToRunState(rs, 'A', 61_000, 'second');
    const done = saveToRunState(rs, 'B', 60_000, 'b');
    expect(entityStates(done.complete!)).toEqual([
      ['A', 'first'],
      ['B', 'b'],
    ]);
  });

  it('completes a savepoint of a run with one entity on its first save', () => {
    const rs = createRunState<string>(S, 0, ['only']);
    expect(saveToRunState(rs, 'only', 60_000, 's').complete?.timestamp).toBe(
      60_000,
    );
  });

  it('bounds open savepoints by maxOpenSavepoints, discarding the oldest', () => {
    const rs = createRunState<string>(S, 0, ['A', 'B'], {
      maxOpenSavepoints: 3,
    });
    const result = saveToRunState(rs, 'A', 600_000, 'a');
    expect([...rs.open.keys()]).toEqual([480_000, 540_000, 600_000]);
    expect(result.discarded).toEqual({ count: 7, from: 60_000, to: 420_000 });
    const done = saveToRunState(rs, 'B', 600_000, 'b');
    expect(done.complete?.timestamp).toBe(600_000);
  });

  it('does not loop over an enormous gap', () => {
    const rs = createRunState<string>(1, 0, ['A', 'B'], {
      maxOpenSavepoints: 2,
    });
    const result = saveToRunState(rs, 'A', 1e12, 'a');
    expect([...rs.open.keys()]).toEqual([1e12 - 1, 1e12]);
    expect(result.discarded?.count).toBe(1e12 - 2);
  });
});

describe('saveToRunState() with validFrom', () => {
  it('never fills a savepoint older than validFrom, so a lost save cannot break a consistent cut', () => {
    const rs = createRunState<string>(S, 10_000, ['A', 'B']);
    saveToRunState(rs, 'B', 60_000, 'B@60', 60_000);
    // A's save for 60 000 was lost; its next save is due from 120 000 on.
    const late = saveToRunState(rs, 'A', 125_000, 'A@125', 120_000);
    expect(late.complete).toBeUndefined();
    expect(openOf(rs)).toEqual([
      [60_000, ['B']],
      [120_000, ['A']],
    ]);
    const done = saveToRunState(rs, 'B', 130_000, 'B@130', 120_000);
    expect(done.complete?.timestamp).toBe(120_000);
    expect(entityStates(done.complete!)).toEqual([
      ['A', 'A@125'],
      ['B', 'B@130'],
    ]);
    expect(openOf(rs)).toEqual([]);
  });

  it('fills nothing when no open savepoint lies in [validFrom, timestamp]', () => {
    const rs = createRunState<string>(S, 0, ['A']);
    expect(saveToRunState(rs, 'A', 61_000, 'a', 120_000).outcome).toBe('stale');
  });
});
