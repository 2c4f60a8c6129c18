/**
 * Issue 5 item 5: one process hosts 1 000 concurrent runs, each with its own
 * StateStore, over one shared storage. Every run's messages depend on its
 * index, so a run that saw another's savepoint would end with the wrong
 * state. The runs are then resumed (1 000 more, concurrently) from what the
 * shared storage holds. Memory per idle run is measured by `npm run bench`
 * (scenario (f)), not here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startRun, type RunResult } from '../../../src/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';

const RUNS = 1_000;
const SCHEDULE = 1_000;
const KEEP = 2;

interface Reading {
  readonly timestamp: number;
  readonly value: number;
}

/** Run `r`'s stream: 40 messages, 100 ms apart, values depending on `r`. */
const readingsOf = (r: number): Reading[] =>
  Array.from({ length: 40 }, (_, i) => ({
    timestamp: i * 100,
    value: (r * 31 + i * 7) % 97,
  }));

/** What run `r` must end with. */
const expectedOf = (r: number) => {
  const readings = readingsOf(r);
  return {
    sum: readings.reduce((s, m) => s + m.value, 0),
    max: Math.max(...readings.map((m) => m.value)),
  };
};

/** Start run `r` over the shared storage; the input replays from `from`. */
function start(storage: SqliteStorage, r: number, froms: number[]) {
  return startRun<Reading>({
    runId: `run ${r} ✓`,
    storage,
    schedule: SCHEDULE,
    startFrom: 0,
    keep: KEEP,
    entities: {
      sum: { initial: 0, reduce: (s: number, m) => s + m.value },
      max: { initial: -1, reduce: (s: number, m) => Math.max(s, m.value) },
    },
    input: (from) => {
      froms[r] = from;
      return readingsOf(r).filter((m) => m.timestamp >= from);
    },
  });
}

async function all(storage: SqliteStorage, froms: number[]) {
  const runs = Array.from({ length: RUNS }, (_, r) => start(storage, r, froms));
  return Promise.all(runs.map((run) => run.done));
}

function checkStates(results: readonly RunResult[]): void {
  results.forEach((result, r) => {
    expect(result.reason, `run ${r}`).toBe('completed');
    expect(Object.fromEntries(result.states), `run ${r}`).toEqual(
      expectedOf(r),
    );
  });
}

describe('1 000 concurrent runs over one shared storage', () => {
  it('keeps every run isolated and correct, and resumes each from its own savepoint', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-many-runs-'));
    try {
      const path = join(dir, 'runs.db');
      const storage = await SqliteStorage.open({ path, synchronous: 'normal' });
      const froms: number[] = [];
      const first = await all(storage, froms);
      checkStates(first);
      expect(froms).toEqual(Array.from({ length: RUNS }, () => 0));
      expect((await storage.listRuns()).length).toBe(RUNS);
      const newest = first.map((result) => result.newestPersisted);
      for (const [r, ts] of newest.entries()) {
        expect(ts, `run ${r}`).toBeGreaterThanOrEqual(SCHEDULE);
        const live = await storage.listSavepoints(`run ${r} ✓`);
        expect(live.at(-1), `run ${r}`).toBe(ts);
        expect(live.length, `run ${r}`).toBeLessThanOrEqual(KEEP);
      }

      // The runs ran to the end of their input: resumed, each replays from
      // its own newest savepoint and ends with its own state again.
      const again = await all(storage, froms);
      checkStates(again);
      expect(froms).toEqual(newest);
      await storage.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
