/**
 * faultyStorage under the two users of storage: a StateStore, and a
 * supervised run (`startRun`), which must end where an uninterrupted run
 * ends whatever the storage does.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { faultyStorage } from '../../src/testing/index.js';
import { memoryStore } from '../actors/state-store/helpers.js';
import {
  dedupe,
  expectedStates,
  testRun,
  ticks,
} from '../actors/run/helpers.js';

describe('faultyStorage with a StateStore', () => {
  it('reports a failed write to onError and persists the next savepoint', async () => {
    const storage = faultyStorage(new MemoryStorage());
    const { store, errors, persisted } = await memoryStore({ storage });
    let [a] = await store.initRunState<number>(0, [['a', 0]]);
    storage.failNext(1, 'writeSavepoint');
    a = a!.updateState(1, 1).ackProcessedTime(60_000);
    await store.flush();
    expect(errors.map((e) => e.code)).toEqual(['E_STORAGE']);
    expect(errors[0]?.message).toContain('injected');
    a.updateState(60_001, 2).ackProcessedTime(120_000);
    await store.flush();
    expect(persisted).toEqual([120_000]);
    expect(await storage.inner.listSavepoints('run-1')).toEqual([120_000]);
    await store.close();
  });

  it('falls back past a savepoint read back corrupted', async () => {
    const storage = faultyStorage(new MemoryStorage());
    const first = await memoryStore({ storage });
    let [a] = await first.store.initRunState<number>(0, [['a', 0]]);
    a = a!.updateState(1, 1).ackProcessedTime(60_000);
    a.updateState(60_001, 2).ackProcessedTime(120_000);
    await first.store.close();
    storage.setPolicy({ corruptReads: { count: 1 } });
    const second = await memoryStore({ storage });
    const loaded = await second.store.loadRunState();
    expect(loaded.timestamp).toBe(60_000);
    expect(loaded.skipped).toEqual([120_000]);
    expect(loaded.entities[0]?.state).toBe(1);
    await second.store.close();
  });
});

describe('faultyStorage with startRun', () => {
  const messages = ticks(3_000);
  const expected = expectedStates(messages);

  async function finish(run: Awaited<ReturnType<typeof testRun>>) {
    const result = await run.run.done;
    expect(Object.fromEntries(result.states)).toEqual(expected.states);
    expect(dedupe(run.outputs)).toEqual(expected.outputs);
    return result;
  }

  it('restarts after failed writes and ends as an uninterrupted run', async () => {
    const storage = faultyStorage(new MemoryStorage(), {
      failNext: { count: 2, operations: 'writeSavepoint' },
    });
    const run = await testRun(messages, {
      storage,
      persistIntervalMs: 0,
      maxRestarts: 5,
    });
    const result = await finish(run);
    expect(result.restarts).toBe(2);
    expect(run.restarts.map((r) => r.cause.code)).toEqual([
      'E_STORAGE',
      'E_STORAGE',
    ]);
    expect(
      storage.callsOf('writeSavepoint').filter((c) => c.action === 'fail'),
    ).toHaveLength(2);
  });

  it('lives through writes that committed but reported failure', async () => {
    const storage = faultyStorage(new MemoryStorage(), {
      commitThenFail: { count: 3, operations: 'writeSavepoint' },
    });
    const run = await testRun(messages, {
      storage,
      persistIntervalMs: 0,
      maxRestarts: 10,
    });
    const result = await finish(run);
    expect(result.restarts).toBe(3);
  });

  it('ends as an uninterrupted run under seeded random failures of every operation', async () => {
    const storage = faultyStorage(new MemoryStorage(), {
      failRate: { rate: 0.05, seed: 7 },
    });
    const run = await testRun(messages, {
      storage,
      persistIntervalMs: 0,
      maxRestarts: 1_000,
    });
    const result = await finish(run);
    expect(result.restarts).toBeGreaterThan(0);
    expect(storage.calls.some((c) => c.action === 'fail')).toBe(true);
  });
});
