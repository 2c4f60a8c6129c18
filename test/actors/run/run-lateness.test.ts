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
import { emit, setup } from 'xstate';

interface Event {
  readonly timestamp: number;
  readonly value: number;
}

/**
 * A log: 100, 1500, 2000, then 1500 (late, at a timestamp that already has
 * an output) and 500 (late, and older than the savepoint at 1000), then
 * 2000 again, 2500 and 3200. A run with schedule 1000 persists savepoint
 * 1000 when it acks 1500.
 */
const log: readonly Event[] = [
  { timestamp: 100, value: 1 },
  { timestamp: 1_500, value: 2 },
  { timestamp: 2_000, value: 3 },
  { timestamp: 1_500, value: 4 },
  { timestamp: 500, value: 5 },
  { timestamp: 2_000, value: 6 },
  { timestamp: 2_500, value: 7 },
  { timestamp: 3_200, value: 8 },
];

/** The log from its first message at or after `from`, as a log seeks. */
const readLog = (from: number): Event[] => {
  const start = log.findIndex((m) => m.timestamp >= from);
  return start < 0 ? [] : log.slice(start);
};

/** A list of the values seen, throwing once on value `failAt` when given. */
function listEntity(failAt: number | undefined) {
  let failed = false;
  return {
    initial: [] as number[],
    reduce: (seen: number[], m: Event, ctx: EntityContext) => {
      if (m.value === failAt && !failed) {
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
      details: { runId: 'late', timestamp: 1_500, lastProcessed: 2_000 },
    });
    const restarted = await outcome('reject', 3);
    expect(restarted.restarts).toBe(1);
    expect(restarted.error).toEqual(uninterrupted.error);
  });

  it.each<LatenessPolicy>(['drop', 'process'])(
    "gives the same states under '%s' with or without a restart from a savepoint",
    async (lateness) => {
      const uninterrupted = await outcome(lateness);
      const restarted = await outcome(lateness, 3);
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

/** The outputs by their documented key, failing on a key with two values. */
function byKey(outputs: readonly RunOutput[]): Map<string, unknown> {
  const keyed = new Map<string, unknown>();
  for (const o of outputs) {
    const key = JSON.stringify([o.entityId, o.watermark, o.index]);
    if (keyed.has(key)) expect(keyed.get(key)).toEqual(o.value);
    keyed.set(key, o.value);
  }
  return keyed;
}

describe("startRun: output keys under lateness 'process'", () => {
  it('gives every output of a late message its own key', async () => {
    const { outputs } = await outcome('process');
    expect(outputs.map((o) => o.value)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(byKey(outputs).size).toBe(outputs.length);
    expect(outputs.map((o) => [o.timestamp, o.watermark, o.index])).toEqual([
      [100, 100, 0],
      [1_500, 1_500, 0],
      [2_000, 2_000, 0],
      [1_500, 2_000, 1],
      [500, 2_000, 2],
      [2_000, 2_000, 3],
      [2_500, 2_500, 0],
      [3_200, 3_200, 0],
    ]);
  });

  // Failing on value 2 (at 1500) restarts from savepoint 1000 and replays
  // from 1500 on; failing on value 7 (at 2500) restarts from savepoint 2000
  // and delivers the outputs of 2000, 1500, 500 and 2000 again.
  it.each([
    [2, 0],
    [7, 4],
  ])(
    'gives a replayed output the key it had the first time (failing on value %i)',
    async (failAt, again) => {
      const uninterrupted = byKey((await outcome('process')).outputs);
      const { outputs, restarts } = await outcome('process', failAt);
      expect(restarts).toBe(1);
      expect(outputs.length - uninterrupted.size).toBe(again);
      expect(byKey(outputs)).toEqual(uninterrupted);
    },
  );

  it.each([3, 5, 6])(
    'gives the same keys when a new run resumes after the first stopped at message %i',
    async (seen) => {
      const uninterrupted = byKey((await outcome('process')).outputs);
      const storage = await MemoryStorage.open();
      const outputs: RunOutput[] = [];
      const options = {
        runId: 'resumed',
        storage,
        schedule: 1_000,
        startFrom: 0,
        lateness: 'process' as const,
        entities: { list: listEntity(undefined) },
        output: (o: RunOutput) => void outputs.push(o),
      };
      // The first process sees a prefix of the log, as if it crashed there.
      const first = startRun<Event>({
        ...options,
        input: (from) => readLog(from).slice(0, seen),
      });
      await first.done;
      await startRun<Event>({ ...options, input: readLog }).done;
      expect(byKey(outputs)).toEqual(uninterrupted);
    },
  );

  it('numbers a machine entity’s outputs the same way', async () => {
    const storage = await MemoryStorage.open();
    const outputs: RunOutput[] = [];
    const echo = setup({
      types: { events: {} as { type: 'event'; value: number } },
    }).createMachine({
      on: {
        event: {
          actions: emit(({ event }) => ({ type: 'seen', value: event.value })),
        },
      },
    });
    const run = startRun<Event>({
      runId: 'machine',
      storage,
      schedule: 1_000,
      startFrom: 0,
      lateness: 'process',
      entities: {
        echo: { machine: echo, toEvent: (m) => ({ type: 'event', ...m }) },
      },
      input: readLog,
      output: (o) => void outputs.push(o),
    });
    await run.done;
    expect(byKey(outputs).size).toBe(log.length);
    expect(outputs[4]).toMatchObject({
      timestamp: 500,
      watermark: 2_000,
      index: 2,
      value: { type: 'seen', value: 5 },
    });
  });
});
