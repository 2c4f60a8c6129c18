import { describe, expect, it } from 'vitest';
import { memoryStore, settle } from './helpers.js';

describe('StateStore persistIntervalMs', () => {
  it('writes the first savepoint at once, then only the newest one per interval', async () => {
    const { store, storage, persisted } = await memoryStore({
      persistIntervalMs: 60_000,
    });
    let [a] = await store.initRunState<number>(0, [['a', 0]]);
    a = a!.updateState(1, 1).ackProcessedTime(60_000);
    await settle();
    expect(persisted).toEqual([60_000]);
    for (const t of [120_000, 180_000, 240_000]) {
      a = a.updateState(t - 1, t).ackProcessedTime(t);
      await settle();
    }
    expect(persisted).toEqual([60_000]); // the others wait out the interval
    expect(store.status().pendingPersists).toBe(1); // coalesced to the newest
    await store.flush(); // flush writes at once
    expect(persisted).toEqual([60_000, 240_000]);
    expect(store.status().counters).toMatchObject({
      persisted: 2,
      superseded: 2,
    });
    expect(await storage.listSavepoints('run-1')).toEqual([60_000, 240_000]);
    await store.close();
  });

  it('writes the queued savepoint on close without waiting for the interval', async () => {
    const { store, storage } = await memoryStore({
      persistIntervalMs: 3_600_000,
    });
    let [a] = await store.initRunState<number>(0, [['a', 0]]);
    a = a!.ackProcessedTime(60_000);
    await settle();
    a.ackProcessedTime(120_000);
    await settle();
    const started = performance.now();
    await store.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await storage.newestTimestamp('run-1')).toBe(120_000);
  });

  it('writes every savepoint with the default of 0', async () => {
    const { store, persisted } = await memoryStore();
    let [a] = await store.initRunState<number>(0, [['a', 0]]);
    for (const t of [60_000, 120_000, 180_000]) a = a!.ackProcessedTime(t);
    await store.flush();
    expect(persisted).toEqual([60_000, 120_000, 180_000]);
    expect(store.status().counters.superseded).toBe(0);
    await store.close();
  });

  it.each([
    [-1, RangeError],
    [1.5, RangeError],
    ['10', TypeError],
  ])('rejects persistIntervalMs %s, naming it', async (value, type) => {
    await expect(
      memoryStore({ persistIntervalMs: value as number }),
    ).rejects.toThrow(type);
    await expect(
      memoryStore({ persistIntervalMs: value as number }),
    ).rejects.toThrow(/persistIntervalMs/);
  });
});
