import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  startRun,
  type StorageAdapter,
} from '../../src/index.js';
import { KvStorage } from '../../examples/kv-storage.js';
import { TinyKv } from '../../examples/tiny-kv.js';
import { sum, ticks, type Tick } from '../actors/run/helpers.js';

/** `messages`, one per event-loop turn, then waits for the signal. */
async function* slowly(
  messages: readonly Tick[],
  signal: AbortSignal,
): AsyncGenerator<Tick> {
  for (const m of messages) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    yield m;
  }
  await new Promise((resolve) =>
    signal.addEventListener('abort', resolve, { once: true }),
  );
}

describe('startRun and run leases', () => {
  it('stops with E_FENCED while its input is idle, as soon as a renewal finds the lease taken over', async () => {
    let now = 1_000_000;
    await using storage = await MemoryStorage.open({ now: () => now });
    const run = startRun<Tick>({
      runId: 'idle',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum },
      // 30 messages, then waits for the signal: a live source, idle.
      input: (from, { signal }) =>
        slowly(
          ticks(30).filter((m) => m.timestamp >= from),
          signal,
        ),
      lease: { ttlMs: 1_000, renewEveryMs: 50 },
    });
    while ((await storage.newestTimestamp('idle')) !== 2_000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    now += 10_000; // the owner looks dead; another takes the run over
    await storage.acquireLease('idle', { owner: 'other', ttlMs: 600_000 });
    await expect(run.done).rejects.toMatchObject({ code: 'E_FENCED' });
    expect(run.status().phase).toBe('failed');
  });

  it('stops with E_FENCED, without restarting, once another owner took its run over', async () => {
    let now = 1_000_000;
    await using storage = await MemoryStorage.open({ now: () => now });
    const restarts: unknown[] = [];
    const run = startRun<Tick>({
      runId: 'r',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum },
      input: (from, { signal }) =>
        slowly(
          ticks(400).filter((m) => m.timestamp >= from),
          signal,
        ),
      persistIntervalMs: 0,
      lease: { ttlMs: 1_000, renewEveryMs: 999 },
      onRestart: (info) => restarts.push(info),
    });
    while ((await storage.listSavepoints('r')).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    now += 10_000; // the run's owner looks dead: its lease expired
    const taken = await storage.acquireLease('r', {
      owner: 'other',
      ttlMs: 600_000,
    });
    const newest = await storage.newestTimestamp('r');
    await expect(run.done).rejects.toMatchObject({ code: 'E_FENCED' });
    expect(restarts).toEqual([]);
    // Nothing of the fenced run landed after the takeover.
    expect(await storage.newestTimestamp('r')).toBe(newest);
    await storage.releaseLease(taken);
  });

  it('waits for a run another process holds (the run default), then resumes it', async () => {
    await using storage = await MemoryStorage.open();
    const held = await storage.acquireLease('r', {
      owner: 'other',
      ttlMs: 600_000,
    });
    const run = startRun<Tick>({
      runId: 'r',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum },
      input: () => ticks(30),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await storage.listSavepoints('r')).toEqual([]);
    await storage.releaseLease(held);
    const result = await run.done;
    expect(result.reason).toBe('completed');
    expect(await storage.newestTimestamp('r')).toBeGreaterThan(0);
  });

  it('runs unfenced on an adapter without leases', async () => {
    await using storage = await KvStorage.open(new TinyKv());
    const adapter: StorageAdapter = storage;
    expect(adapter.leases).toBe(false);
    await expect(
      storage.acquireLease('r', { owner: 'a', ttlMs: 1_000 }),
    ).rejects.toThrow(TypeError);
    await expect(
      storage.writeSavepoint(
        'r',
        { timestamp: 1, entries: [] },
        { keep: 1, lease: { runId: 'r', owner: 'a', token: 1 } },
      ),
    ).rejects.toThrow(/options\.lease/);
    const run = startRun<Tick>({
      runId: 'r',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum },
      input: () => ticks(30),
    });
    expect((await run.done).reason).toBe('completed');
  });

  // Found by the fuzz soak (soak/fuzz-storage-targets.ts): lease: null was
  // taken for the default (waiting leases) instead of refused.
  it('refuses lease: null, naming the option', () => {
    const storage = new MemoryStorage();
    expect(() =>
      startRun<Tick>({
        runId: 'r',
        storage,
        schedule: 1_000,
        startFrom: 0,
        entities: { sum },
        input: () => ticks(3),
        lease: null as never,
      }),
    ).toThrow(/^options\.lease must be an object, got null/);
  });
});
