/**
 * Many runs in one process (issue 5, item 5): 1 000 concurrent runs, each
 * with its own run id and StateStore, over ONE shared storage (a SQLite file,
 * and a MemoryStorage). Every run handles its own small input, waits idle on
 * it (no timers while idle), and is stopped; each run's final state and
 * newest savepoint must be its own. Stopping runs never closes the storage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  defaultCodec,
  loadNewestSavepoint,
  silentLogger,
  startRun,
  type RunHandle,
  type StorageAdapter,
} from '../../../src/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';

const RUNS = 1_000;
/** Messages per run: 200 ms apart, so savepoints at 1 000, 2 000, 3 000. */
const MESSAGES = 20;
const SCHEDULE = 1_000;
const NEWEST = 3_000;

interface Reading {
  readonly timestamp: number;
  readonly value: number;
}

/** Run `i`'s messages: values that differ from every other run's. */
function readings(i: number): Reading[] {
  return Array.from({ length: MESSAGES }, (_, k) => ({
    timestamp: k * 200,
    value: i * 1_000 + k,
  }));
}

const total = (messages: readonly Reading[]): number =>
  messages.reduce((s, m) => s + m.value, 0);

/** Yield the messages from `from`, then wait idle until the run is stopped. */
async function* idleAfter(
  messages: readonly Reading[],
  from: number,
  signal: AbortSignal,
): AsyncGenerator<Reading> {
  for (const m of messages) if (m.timestamp >= from) yield m;
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

function startMany(storage: StorageAdapter): RunHandle[] {
  return Array.from({ length: RUNS }, (_, i) =>
    startRun<Reading>({
      runId: `run-${i}`,
      storage,
      schedule: SCHEDULE,
      startFrom: 0,
      entities: {
        sum: { initial: 0, reduce: (s: number, m) => s + m.value },
        count: {
          initial: { n: 0 },
          reduce: (s: { n: number }) => ({ n: s.n + 1 }),
        },
      },
      input: (from, { signal }) => idleAfter(readings(i), from, signal),
    }),
  );
}

/** Wait until every run handled its input and persisted its newest savepoint. */
async function allIdle(runs: readonly RunHandle[]): Promise<void> {
  const idle = (run: RunHandle): boolean => {
    const s = run.status();
    return s.counters.messages === MESSAGES && s.newestPersisted === NEWEST;
  };
  for (let tries = 0; !runs.every(idle); tries++) {
    if (tries > 2_000) throw new Error('runs did not settle');
    await sleep(5);
  }
  await sleep(150); // past the StateStores' pacing interval (100 ms)
}

const timers = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

async function checkSavepoints(storage: StorageAdapter): Promise<void> {
  for (let i = 0; i < RUNS; i++) {
    const sp = await loadNewestSavepoint(
      storage,
      defaultCodec,
      `run-${i}`,
      silentLogger,
    );
    const before = readings(i).filter((m) => m.timestamp < NEWEST);
    expect(sp.timestamp).toBe(NEWEST);
    expect(Object.fromEntries(sp.states)).toEqual({
      sum: total(before),
      count: { n: before.length },
    });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'runstate-many-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const backends: [string, () => Promise<StorageAdapter>][] = [
  ['SqliteStorage', () => SqliteStorage.open({ path: join(dir, 'many.db') })],
  ['MemoryStorage', () => MemoryStorage.open()],
];

describe.each(backends)('1 000 runs over one shared %s', (_, open) => {
  it('keeps every run isolated, idles without timers, and leaves the storage open', async () => {
    const storage = await open();
    const runs = startMany(storage);
    await allIdle(runs);
    expect(runs.every((r) => r.status().phase === 'running')).toBe(true);
    // Idle runs wait on their input: no timer per run (no polling).
    expect(timers()).toBeLessThan(10);
    await Promise.all(runs.map((r) => r.stop()));
    for (const [i, run] of runs.entries()) {
      const result = await run.done;
      expect(result.reason).toBe('stopped');
      expect(Object.fromEntries(result.states)).toEqual({
        sum: total(readings(i)),
        count: { n: MESSAGES },
      });
    }
    expect((await storage.listRuns()).length).toBe(RUNS);
    await checkSavepoints(storage); // the storage outlives its runs
    await storage.close();
  }, 120_000); // ~20 s alone on 2 cores; more beside other test files
});

describe('a storage shared by runs', () => {
  it('is not closed when one of its runs stops, completes or fails', async () => {
    const storage = await MemoryStorage.open();
    const entities = {
      sum: (s: number | undefined, m: Reading) => (s ?? 0) + m.value,
    };
    const idle = startRun<Reading>({
      runId: 'idle',
      storage,
      schedule: SCHEDULE,
      startFrom: 0,
      entities,
      input: (from, { signal }) => idleAfter(readings(1), from, signal),
    });
    const completed = startRun<Reading>({
      runId: 'completed',
      storage,
      schedule: SCHEDULE,
      startFrom: 0,
      entities,
      input: () => readings(2),
    });
    const failed = startRun<Reading>({
      runId: 'failed',
      storage,
      schedule: SCHEDULE,
      startFrom: 0,
      entities,
      input: () => [{ timestamp: -1, value: 0 }],
    });
    await completed.done;
    await expect(failed.done).rejects.toMatchObject({
      code: 'E_INVALID_MESSAGE',
    });
    await idle.stop();
    expect((await idle.done).reason).toBe('stopped');
    expect(storage.closed).toBe(false);
    expect((await storage.listRuns()).sort()).toEqual([
      'completed',
      'failed',
      'idle',
    ]);
    expect(await storage.newestTimestamp('completed')).toBe(NEWEST);
    await storage.close();
  });
});
