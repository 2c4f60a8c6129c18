import { describe, expect, it } from 'vitest';
import { resumeOrStart } from '../../../src/index.js';
import { memoryStore } from './helpers.js';

const defs: [string, number][] = [
  ['a', 0],
  ['b', 0],
];

describe('resumeOrStart()', () => {
  it('starts fresh at startFrom when the run was never initialised', async () => {
    const { store } = await memoryStore();
    const result = await resumeOrStart(store, {
      startFrom: 10_000,
      entities: defs,
    });
    expect(result).toMatchObject({
      resumed: false,
      timestamp: 10_000,
      skipped: [],
    });
    expect(
      result.entities.map((e) => [e.id, e.state, e.nextSavepoint]),
    ).toEqual([
      ['a', 0, 60_000],
      ['b', 0, 60_000],
    ]);
    expect(await store.isInitialized()).toBe(true);
    await store.close();
  });

  it('starts fresh when the run is initialised but has no savepoint yet (spec §8)', async () => {
    const first = await memoryStore();
    await first.store.initRunState(10_000, defs);
    await first.store.close();
    const { store } = await memoryStore({ storage: first.storage });
    const result = await resumeOrStart(store, {
      startFrom: 10_000,
      entities: defs,
    });
    expect(result).toMatchObject({ resumed: false, timestamp: 10_000 });
    await store.close();
  });

  it('resumes from the newest savepoint, through update when given', async () => {
    const first = await memoryStore();
    const started = await resumeOrStart(first.store, {
      startFrom: 0,
      entities: defs,
    });
    for (const e of started.entities)
      e.updateState(1, 7).ackProcessedTime(60_000);
    await first.store.close();
    const { store } = await memoryStore({ storage: first.storage });
    const result = await resumeOrStart(store, {
      startFrom: 0,
      entities: defs,
      update: (states) =>
        states.map(([id, state]) => [id.toUpperCase(), state]),
    });
    expect(result).toMatchObject({ resumed: true, timestamp: 60_000 });
    expect(
      result.entities.map((e) => [e.id, e.state, e.nextSavepoint]),
    ).toEqual([
      ['A', 7, 120_000],
      ['B', 7, 120_000],
    ]);
    await store.close();
  });

  it('passes on load failures other than E_NO_SAVEPOINT', async () => {
    const first = await memoryStore();
    const started = await resumeOrStart(first.store, {
      startFrom: 0,
      entities: defs,
    });
    for (const e of started.entities) e.ackProcessedTime(60_000);
    await first.store.close();
    const { store } = await memoryStore({ storage: first.storage });
    await expect(
      resumeOrStart(store, {
        startFrom: 0,
        entities: defs,
        update: () => {
          throw new Error('nope');
        },
      }),
    ).rejects.toMatchObject({ code: 'E_UPDATE_FAILED' });
    await store.close();
  });

  it('validates startFrom', async () => {
    const { store } = await memoryStore();
    await expect(
      resumeOrStart(store, { startFrom: -1, entities: defs }),
    ).rejects.toThrow(/startFrom.*-1/);
    await store.close();
  });

  it('rejects, writing nothing, a start whose first savepoint is not a safe integer', async () => {
    const max = Number.MAX_SAFE_INTEGER;
    const { store, storage } = await memoryStore();
    await expect(
      resumeOrStart(store, { startFrom: max, entities: defs }),
    ).rejects.toThrow(RangeError);
    await expect(store.initRunState(max - 1, defs)).rejects.toThrow(
      /timestamp 9007199254740990 has no next savepoint on schedule 60000/,
    );
    expect(await storage.listRuns()).toEqual([]);
    await store.close();
  });
});
