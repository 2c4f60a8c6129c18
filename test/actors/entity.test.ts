import { describe, expect, it } from 'vitest';
import { Entity, RunStateError, type EntityStore } from '../../src/index.js';

const S = 60_000;

function recordingStore() {
  const saves: { id: string; timestamp: number; state: unknown }[] = [];
  const store: EntityStore = {
    save(entity, timestamp, state = entity.state) {
      saves.push({ id: entity.id, timestamp, state });
    },
  };
  return { store, saves };
}

describe('Entity.create()', () => {
  it('sets timestamp and lastSavepoint to the given time and the next savepoint after it (spec §3)', () => {
    const { store } = recordingStore();
    const fresh = Entity.create(store, 'a', S, 10_000, { n: 1 });
    expect(fresh).toMatchObject({
      id: 'a',
      timestamp: 10_000,
      lastSavepoint: 10_000,
      nextSavepoint: 60_000,
      state: { n: 1 },
    });
    expect(Entity.create(store, 'a', S, 60_000, 0).nextSavepoint).toBe(120_000);
    expect(Entity.create(store, 'a', 'none', 60_000, 0).nextSavepoint).toBe(
      'none',
    );
  });

  it('validates its arguments', () => {
    const { store } = recordingStore();
    expect(() => Entity.create({} as EntityStore, 'a', S, 0, 0)).toThrow(
      TypeError,
    );
    expect(() => Entity.create(store, '', S, 0, 0)).toThrow(RangeError);
    expect(() => Entity.create(store, 'a', 0, 0, 0)).toThrow(/schedule/);
    expect(() => Entity.create(store, 'a', S, -1, 0)).toThrow(/timestamp.*-1/);
  });

  it('throws a RangeError naming the timestamp when the next savepoint is not a safe integer', () => {
    const { store } = recordingStore();
    const max = Number.MAX_SAFE_INTEGER;
    expect(() => Entity.create(store, 'a', S, max, 0)).toThrow(RangeError);
    expect(() => Entity.create(store, 'a', S, max, 0)).toThrow(
      /timestamp 9007199254740991 .*schedule 60000/,
    );
    expect(Entity.create(store, 'a', max, max - 1, 0).nextSavepoint).toBe(max);
    expect(Entity.create(store, 'a', 'none', max, 0).nextSavepoint).toBe(
      'none',
    );
  });

  it('is immutable', () => {
    const { store } = recordingStore();
    const e = Entity.create(store, 'a', S, 0, 0);
    expect(Object.isFrozen(e)).toBe(true);
    expect(() => {
      (e as { state: number }).state = 5;
    }).toThrow(TypeError);
  });
});

describe('Entity#updateState()', () => {
  it('returns a copy with state and timestamp replaced and savepoint fields kept', () => {
    const { store, saves } = recordingStore();
    const e = Entity.create(store, 'a', S, 10_000, 1).ackProcessedTime(70_000);
    const u = e.updateState(75_000, 2);
    expect(u).not.toBe(e);
    expect(u).toMatchObject({
      state: 2,
      timestamp: 75_000,
      nextSavepoint: 120_000,
      lastSavepoint: 60_000,
    });
    expect(e.state).toBe(1);
    expect(saves).toHaveLength(1);
  });

  it('accepts an older timestamp as given', () => {
    const { store } = recordingStore();
    const u = Entity.create(store, 'a', S, 50_000, 1).updateState(20_000, 2);
    expect(u.timestamp).toBe(20_000);
    expect(u.nextSavepoint).toBe(60_000);
  });
});

describe('Entity#ackProcessedTime()', () => {
  it('follows the worked sequence of spec §3', () => {
    const { store, saves } = recordingStore();
    let e = Entity.create(store, 'a', S, 10_000, 'state');
    const steps: [number, number | undefined, number][] = [
      [30_000, undefined, 60_000],
      [59_999, undefined, 60_000],
      [60_000, 60_000, 120_000],
      [61_000, undefined, 120_000],
      [50_000, undefined, 120_000],
      [250_000, 250_000, 300_000],
    ];
    for (const [ack, savedAt, next] of steps) {
      const before = saves.length;
      e = e.ackProcessedTime(ack);
      expect(saves.length - before).toBe(savedAt === undefined ? 0 : 1);
      if (savedAt !== undefined)
        expect(saves.at(-1)).toEqual({
          id: 'a',
          timestamp: savedAt,
          state: 'state',
        });
      expect(e.nextSavepoint).toBe(next);
    }
    expect(e.lastSavepoint).toBe(240_000);
  });

  it('returns the very same entity when no save is due', () => {
    const { store } = recordingStore();
    const e = Entity.create(store, 'a', S, 10_000, 0);
    expect(e.ackProcessedTime(59_999)).toBe(e);
  });

  it('refuses, saving nothing, an ack whose following savepoint is not a safe integer', () => {
    const { store, saves } = recordingStore();
    const max = Number.MAX_SAFE_INTEGER;
    const e = Entity.create(store, 'a', S, max - 100_000, 0);
    expect(() => e.ackProcessedTime(max)).toThrow(RangeError);
    expect(() => e.ackProcessedTime(max)).toThrow(/timestamp 9007199254740991/);
    expect(saves).toEqual([]);
    const last = e.ackProcessedTime(max - 60_000);
    expect(saves).toHaveLength(1);
    expect(Number.isSafeInteger(last.nextSavepoint)).toBe(true);
    expect((last.nextSavepoint as number) % S).toBe(0);
  });

  it("never saves with schedule 'none'", () => {
    const { store, saves } = recordingStore();
    const e = Entity.create(store, 'a', 'none', 0, 0);
    expect(e.ackProcessedTime(Number.MAX_SAFE_INTEGER)).toBe(e);
    expect(saves).toEqual([]);
  });

  it('saves the transformed state but keeps the untransformed one', () => {
    const { store, saves } = recordingStore();
    let calls = 0;
    const transform = (x: Entity<{ cache: number[]; total: number }>) => {
      calls++;
      return { total: x.state.total };
    };
    let e = Entity.create(store, 'a', S, 0, { cache: [1, 2], total: 3 });
    e = e.ackProcessedTime(30_000, transform);
    expect(calls).toBe(0);
    e = e.ackProcessedTime(60_000, transform);
    expect(calls).toBe(1);
    expect(saves).toEqual([
      { id: 'a', timestamp: 60_000, state: { total: 3 } },
    ]);
    expect(e.state).toEqual({ cache: [1, 2], total: 3 });
  });

  it('returns a failing transform to the caller as E_TRANSFORM_FAILED and saves nothing', () => {
    const { store, saves } = recordingStore();
    const e = Entity.create(store, 'a', S, 0, 1);
    const boom = new Error('boom');
    let caught: unknown;
    try {
      e.ackProcessedTime(60_000, () => {
        throw boom;
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RunStateError);
    expect(caught).toMatchObject({
      code: 'E_TRANSFORM_FAILED',
      cause: boom,
      details: { entityId: 'a' },
    });
    expect(saves).toEqual([]);
    expect(e.nextSavepoint).toBe(60_000);
  });

  it('rejects a bad timestamp when it reaches the save path', () => {
    const { store, saves } = recordingStore();
    const e = Entity.create(store, 'a', S, 0, 1);
    expect(() => e.ackProcessedTime(NaN)).toThrow(RangeError);
    expect(() => e.ackProcessedTime('70000' as never)).toThrow(TypeError);
    expect(() => e.ackProcessedTime(Infinity)).toThrow(RangeError);
    expect(saves).toEqual([]);
  });
});
