/**
 * Late messages across restarts: the same input and lateness policy give
 * the same outcome whether the run restarted from a savepoint or not.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  startRun,
  type EntityContext,
  type LatenessPolicy,
  type RunOutput,
  type RunResult,
} from '../../../src/index.js';

interface Event {
  readonly timestamp: number;
  readonly value: number;
}

/**
 * A log: 100, 1500, 2000, then 500 (late, and older than the savepoint at
 * 1000), then 2500 and 3200. A run with schedule 1000 persists savepoint
 * 1000 when it acks 1500.
 */
const log: readonly Event[] = [
  { timestamp: 100, value: 1 },
  { timestamp: 1_500, value: 2 },
  { timestamp: 2_000, value: 3 },
  { timestamp: 500, value: 4 },
  { timestamp: 2_500, value: 5 },
  { timestamp: 3_200, value: 6 },
];

/** The log from its first message at or after `from`, as a log seeks. */
const readLog = (from: number): Event[] => {
  const start = log.findIndex((m) => m.timestamp >= from);
  return start < 0 ? [] : log.slice(start);
};

/** A list of the values seen, throwing once on `failAt` when given. */
function listEntity(failAt: number | undefined) {
  let failed = false;
  return {
    initial: [] as number[],
    reduce: (seen: number[], m: Event, ctx: EntityContext) => {
      if (m.timestamp === failAt && !failed) {
        failed = true;
        throw new Error(`crash at ${m.timestamp}`);
      }
      ctx.emit(m.value);
      return [...seen, m.value];
    },
  };
}

interface Outcome {
  readonly result?: Pick<RunResult, 'reason' | 'states'>;
  readonly error?: { readonly code: unknown; readonly details: unknown };
  readonly counters: { dropped: number };
  readonly restarts: number;
  readonly outputs: readonly RunOutput[];
}

async function outcome(
  lateness: LatenessPolicy,
  failAt?: number,
): Promise<Outcome> {
  const storage = await MemoryStorage.open();
  const outputs: RunOutput[] = [];
  const run = startRun<Event>({
    runId: 'late',
    storage,
    schedule: 1_000,
    startFrom: 0,
    persistIntervalMs: 0,
    lateness,
    entities: { list: listEntity(failAt) },
    input: readLog,
    output: (o) => void outputs.push(o),
  });
  const settled = await run.done.then(
    (result) => ({ result }),
    (error: { code: unknown; details: unknown }) => ({
      error: { code: error.code, details: error.details },
    }),
  );
  const { counters, restarts } = run.status();
  return { ...settled, counters, restarts, outputs };
}

describe('startRun: late messages after a restart', () => {
  it("rejects a late message older than the resume point under 'reject', as an uninterrupted run does", async () => {
    const uninterrupted = await outcome('reject');
    expect(uninterrupted.error).toEqual({
      code: 'E_OUT_OF_ORDER',
      details: { runId: 'late', timestamp: 500, lastProcessed: 2_000 },
    });
    const restarted = await outcome('reject', 2_000);
    expect(restarted.restarts).toBe(1);
    expect(restarted.error).toEqual(uninterrupted.error);
  });

  it.each<LatenessPolicy>(['drop', 'process'])(
    "gives the same states under '%s' with or without a restart from a savepoint",
    async (lateness) => {
      const uninterrupted = await outcome(lateness);
      const restarted = await outcome(lateness, 2_000);
      expect(restarted.restarts).toBe(1);
      expect(restarted.result?.reason).toBe('completed');
      expect(restarted.result?.states).toEqual(uninterrupted.result?.states);
      expect(restarted.counters.dropped).toBe(uninterrupted.counters.dropped);
    },
  );

  it('still skips messages before the input reaches the resume point', async () => {
    const storage = await MemoryStorage.open();
    const options = {
      runId: 'early',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { list: listEntity(undefined) },
    };
    await startRun<Event>({ ...options, input: () => log.slice(0, 3) }).done;
    // The source cannot seek: it starts from the beginning again.
    const run = startRun<Event>({ ...options, input: () => log.slice(0, 3) });
    const { states } = await run.done;
    expect(run.status().counters.skipped).toBe(2);
    expect(states.get('list')).toEqual([1, 2, 3]);
  });
});
