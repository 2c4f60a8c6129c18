import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  startRun,
  type EntityContext,
  type RestartInfo,
} from '../../../src/index.js';
import { GatedStorage } from '../state-store/helpers.js';
import {
  dedupe,
  expectedStates,
  product,
  flakySum,
  sum,
  testRun,
  ticks,
  type Tick,
} from './helpers.js';

/** `sum`, throwing on the message at `at` for the first `times` visits. */
describe('startRun: supervision', () => {
  it('restarts every entity from the newest savepoint when one throws, and ends as if nothing happened', async () => {
    const messages = ticks(500);
    const { run, restarts, outputs, calls } = await testRun(messages, {
      entities: { sum: flakySum(25_100), product },
    });
    const result = await run.done;
    expect(restarts).toHaveLength(1);
    const [info] = restarts;
    expect(info?.cause.code).toBe('E_ENTITY_FAILED');
    expect(info?.cause.details).toMatchObject({
      entityId: 'sum',
      timestamp: 25_100,
    });
    expect((info?.cause.cause as Error).message).toBe('boom at 25100');
    expect(info).toMatchObject({
      runId: 'run-1',
      restarts: 1,
      lastProcessed: 25_000,
    });
    expect(calls).toEqual([0, 25_000]);
    expect(result.restarts).toBe(1);
    expect(run.status()).toMatchObject({ restarts: 1, phase: 'completed' });
    expect(run.status().lastError?.code).toBe('E_ENTITY_FAILED');
    const expected = expectedStates(messages);
    expect(Object.fromEntries(result.states)).toEqual(expected.states);
    expect(dedupe(outputs)).toEqual(expected.outputs);
  });

  it('marks outputs replayed after a restart', async () => {
    const { run, outputs } = await testRun(ticks(300), {
      entities: { sum: flakySum(25_600), product },
    });
    await run.done;
    const twice = outputs.filter((o) => o.timestamp === 25_100);
    expect(twice.map((o) => o.replayed)).toEqual([false, true]);
  });

  it('stops with E_RESTART_LIMIT after maxRestarts restarts of a deterministic failure', async () => {
    const { run, restarts } = await testRun(ticks(300), {
      entities: { sum: flakySum(10_100, Infinity), product },
      maxRestarts: 2,
    });
    const error = await run.done.catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'RunStateError',
      code: 'E_RESTART_LIMIT',
    });
    expect((error as Error).cause).toMatchObject({ code: 'E_ENTITY_FAILED' });
    expect(restarts).toHaveLength(2);
    expect(run.status()).toMatchObject({ phase: 'failed', restarts: 2 });
  });

  it('does not restart at all with maxRestarts: 0', async () => {
    const { run, restarts } = await testRun(ticks(300), {
      entities: { sum: flakySum(10_100), product },
      maxRestarts: 0,
    });
    await expect(run.done).rejects.toMatchObject({ code: 'E_RESTART_LIMIT' });
    expect(restarts).toEqual([]);
  });

  it('counts only the failures within withinMs (the restart intensity)', async () => {
    let now = 0;
    let failures = 0;
    const storage = await MemoryStorage.open();
    const run = startRun<Tick>({
      runId: 'intensity',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: {
        sum: {
          ...sum,
          reduce: (s: number, m: Tick, ctx: EntityContext) => {
            if (m.timestamp === 5_000 && failures < 5) {
              failures++;
              now += 10_000; // every failure is 10 s after the previous one
              throw new Error('transient');
            }
            return sum.reduce(s, m, ctx);
          },
        },
      },
      input: () => ticks(100),
      maxRestarts: 1,
      withinMs: 5_000,
      now: () => now,
    });
    const { restarts } = await run.done;
    expect(restarts).toBe(5);
  });

  it('waits restartDelayMs before each restart', async () => {
    const started: number[] = [];
    const storage = await MemoryStorage.open();
    const run = startRun<Tick>({
      runId: 'delay',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum: flakySum(1_100) },
      input: (from) => {
        started.push(performance.now());
        return ticks(20).filter((m) => m.timestamp >= from);
      },
      restartDelayMs: 50,
    });
    await run.done;
    expect(started).toHaveLength(2);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(45);
  });

  it('restarts when a storage write fails, losing nothing persisted', async () => {
    const storage = new GatedStorage();
    storage.failNext = new Error('disk full');
    const messages = ticks(300);
    const { run, restarts } = await testRun(messages, { storage });
    const result = await run.done;
    expect(restarts).toHaveLength(1);
    expect(restarts[0]?.cause.code).toBe('E_STORAGE');
    expect((restarts[0]?.cause.cause as Error).message).toBe('disk full');
    expect(Object.fromEntries(result.states)).toEqual(
      expectedStates(messages).states,
    );
    expect(await storage.newestTimestamp('run-1')).toBe(29_000);
  });

  it('restarts when the input fails (E_INPUT_FAILED)', async () => {
    let calls = 0;
    const restarts: RestartInfo[] = [];
    const storage = await MemoryStorage.open();
    const run = startRun<Tick>({
      runId: 'input',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum },
      input: function* (from) {
        calls++;
        for (const m of ticks(100)) {
          if (m.timestamp < from) continue;
          if (calls === 1 && m.timestamp === 3_300)
            throw new Error('socket closed');
          yield m;
        }
      },
      // Checked after the run: onRestart's own throws are logged and ignored.
      onRestart: (info) => void restarts.push(info),
    });
    const result = await run.done;
    expect(result.restarts).toBe(1);
    expect(restarts.map((info) => info.cause.code)).toEqual(['E_INPUT_FAILED']);
    expect((restarts[0]?.cause.cause as Error).message).toBe('socket closed');
    expect(restarts[0]?.lastProcessed).toBe(3_200);
    expect(result.states.get('sum')).toBe(
      expectedStates(ticks(100)).states.sum,
    );
  });

  it('restarts when input() itself throws, and when the sink throws', async () => {
    let inputCalls = 0;
    let sinkCalls = 0;
    const storage = await MemoryStorage.open();
    const codes: string[] = [];
    const run = startRun<Tick>({
      runId: 'both',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum },
      input: () => {
        if (inputCalls++ === 0) throw new Error('not connected');
        return ticks(50);
      },
      output: () => {
        if (sinkCalls++ === 0) throw new Error('sink down');
      },
      onRestart: (info) => void codes.push(info.cause.code),
    });
    await run.done;
    expect(codes).toEqual(['E_INPUT_FAILED', 'E_OUTPUT_FAILED']);
  });

  it('reports an onRestart that throws to the logger and goes on', async () => {
    const errors: string[] = [];
    const noop = () => undefined;
    const { run } = await testRun(ticks(100), {
      entities: { sum: flakySum(2_200), product },
      onRestart: () => {
        throw new Error('observer bug');
      },
      logger: {
        debug: noop,
        info: noop,
        warn: noop,
        error: (_, m) => void errors.push(m),
      },
    });
    expect((await run.done).restarts).toBe(1);
    expect(errors).toEqual(['onRestart threw; ignored']);
  });
});

describe('RunCounters.replayed', () => {
  it('counts the messages handled again after a restart, and only those', async () => {
    // Fails at 25 600: the restart resumes from the savepoint at 25 000 and
    // handles 25 000 … 25 500 (6 messages) a second time.
    const messages = ticks(500);
    const { run, outputs } = await testRun(messages, {
      entities: { sum: flakySum(25_600), product },
    });
    const result = await run.done;
    expect(result.restarts).toBe(1);
    const { counters } = run.status();
    expect(counters.replayed).toBe(6);
    expect(counters.messages).toBe(256 + 250);
    // the outputs flagged replayed are those of the replayed messages
    expect(outputs.filter((o) => o.replayed).map((o) => o.timestamp)).toEqual([
      25_100,
    ]);
  });

  it('counts replayed messages sharing a timestamp one by one', async () => {
    let failed = false;
    const run = startRun<Tick>({
      runId: 'same-timestamp',
      storage: await MemoryStorage.open(),
      schedule: 1_000_000, // no savepoint: the restart starts afresh
      startFrom: 0,
      entities: {
        count: (n: number | undefined, m: Tick) => {
          if (m.value === 3 && !failed) {
            failed = true;
            throw new Error('glitch');
          }
          return (n ?? 0) + 1;
        },
      },
      // four messages at 100, the third of which fails once
      input: () =>
        [1, 2, 3, 4].map((value) => ({
          timestamp: 100,
          kind: 'add' as const,
          value,
        })),
    });
    const result = await run.done;
    expect(result.states.get('count')).toBe(4);
    expect(run.status().counters).toMatchObject({ messages: 6, replayed: 2 });
  });

  it('counts a restart after a real storage failure', async () => {
    const storage = new GatedStorage();
    storage.failNext = new Error('disk full');
    const { run } = await testRun(ticks(300), { storage });
    const result = await run.done;
    expect(result.restarts).toBe(1);
    const { messages, replayed } = run.status().counters;
    // Every message is handled once, plus the replayed ones once more.
    expect(messages - replayed).toBe(300);
    expect(replayed).toBeGreaterThan(0);
  });

  it('is 0 for a run that resumes from storage in a new startRun (a new process)', async () => {
    const storage = await MemoryStorage.open();
    const first = await testRun(ticks(100), { storage });
    await first.run.done;
    expect(first.run.status().counters.replayed).toBe(0);
    const second = await testRun(ticks(150), { storage });
    const result = await second.run.done;
    expect(result.restarts).toBe(0);
    // resumed from 9 000: 9 000 … 14 900 handled, none counted as replayed,
    // although this process cannot know that 9 000 … 9 900 were handled
    expect(second.run.status().counters).toMatchObject({
      messages: 60,
      replayed: 0,
    });
  });
});
