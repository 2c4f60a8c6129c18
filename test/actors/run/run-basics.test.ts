import { describe, expect, it, vi } from 'vitest';
import {
  MemoryStorage,
  defaultCodec,
  loadNewestSavepoint,
  silentLogger,
  startRun,
  type RunOutput,
} from '../../../src/index.js';
import {
  dedupe,
  expectedStates,
  latch,
  product,
  replayable,
  sum,
  testRun,
  ticks,
  type Tick,
} from './helpers.js';

describe('startRun: a fresh run', () => {
  it('feeds every message through the entities that accept it and completes', async () => {
    const messages = ticks(500);
    const { run, calls } = await testRun(messages);
    const result = await run.done;
    const expected = expectedStates(messages);
    expect(result.reason).toBe('completed');
    expect(Object.fromEntries(result.states)).toEqual(expected.states);
    expect(result.lastProcessed).toBe(49_900);
    expect(result.restarts).toBe(0);
    expect(calls).toEqual([0]);
  });

  it('persists consistent savepoints: every entity at the same scheduled time', async () => {
    const messages = ticks(500);
    const { run, storage } = await testRun(messages, { persistIntervalMs: 0 });
    const { newestPersisted } = await run.done;
    expect(newestPersisted).toBe(49_000);
    const loaded = await loadNewestSavepoint(
      storage,
      defaultCodec,
      'run-1',
      silentLogger,
    );
    const before = expectedStates(messages.filter((m) => m.timestamp < 49_000));
    expect(loaded.timestamp).toBe(49_000);
    expect(Object.fromEntries(loaded.states)).toEqual(before.states);
    expect(await storage.listSavepoints('run-1')).toEqual([48_000, 49_000]);
    expect(run.status().store?.counters).toMatchObject({
      persisted: 49,
      superseded: 0,
    });
  });

  it('writes only the newest savepoint of each persistIntervalMs while catching up', async () => {
    const messages = ticks(5_000);
    const { run, storage } = await testRun(messages, {
      persistIntervalMs: 60_000,
    });
    const { newestPersisted } = await run.done;
    expect(newestPersisted).toBe(499_000); // written when the input ended
    const { persisted, superseded } = run.status().store!.counters;
    expect(persisted).toBeLessThan(5);
    expect(persisted + superseded).toBe(499);
    expect(await storage.newestTimestamp('run-1')).toBe(499_000);
  });

  it('lets an entity that accepts no message still complete savepoints', async () => {
    const messages = ticks(50);
    const { run, storage } = await testRun(messages, {
      entities: {
        sum,
        idle: { initial: 'x', reduce: (s: string) => s, accepts: () => false },
      },
    });
    await run.done;
    const sp = await storage.readSavepoint('run-1');
    expect(sp?.timestamp).toBe(4_000);
    expect(sp?.entries.map(([id]) => id).sort()).toEqual(['idle', 'sum']);
  });

  it('declares an entity as a bare reducer, starting from undefined', async () => {
    const storage = await MemoryStorage.open();
    const run = startRun<Tick>({
      runId: 'bare',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { count: (n: number | undefined) => (n ?? 0) + 1 },
      input: () => ticks(30),
    });
    expect((await run.done).states.get('count')).toBe(30);
  });

  it('saves what the transform returns, and keeps the entity state', async () => {
    const storage = await MemoryStorage.open();
    const run = startRun<Tick>({
      runId: 'transformed',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: {
        sum: { ...sum, transform: (s: number) => ({ saved: s }) },
      },
      input: () => ticks(25),
    });
    const { states } = await run.done;
    expect(typeof states.get('sum')).toBe('number');
    const loaded = await loadNewestSavepoint(
      storage,
      defaultCodec,
      'transformed',
      silentLogger,
    );
    expect(loaded.states[0]?.[1]).toEqual({
      saved: expectedStates(ticks(20)).states.sum,
    });
  });
});

describe('startRun: resuming', () => {
  it('loads the newest savepoint and replays the input from its timestamp', async () => {
    const messages = ticks(600);
    const storage = await MemoryStorage.open();
    const first = await testRun(messages.slice(0, 300), { storage });
    expect((await first.run.done).newestPersisted).toBe(29_000);
    const second = await testRun(messages, { storage });
    const result = await second.run.done;
    expect(second.calls).toEqual([29_000]);
    expect(Object.fromEntries(result.states)).toEqual(
      expectedStates(messages).states,
    );
  });

  it('re-emits the outputs after the savepoint, with their source timestamps', async () => {
    const messages = ticks(600);
    const storage = await MemoryStorage.open();
    const first = await testRun(messages.slice(0, 305), { storage });
    await first.run.done;
    const second = await testRun(messages, { storage });
    await second.run.done;
    const all = [...first.outputs, ...second.outputs];
    const replayedTimestamps = second.outputs
      .map((o) => o.timestamp)
      .filter((ts) => ts < 30_500);
    expect(replayedTimestamps).toEqual([30_100]); // resumed at 30 000
    expect(dedupe(all)).toEqual(expectedStates(messages).outputs);
  });

  it('migrates loaded state through update', async () => {
    const storage = await MemoryStorage.open();
    await (
      await testRun(ticks(100), { storage })
    ).run.done;
    const update = (entries: readonly (readonly [string, unknown])[]) =>
      entries.map(
        ([id, s]) =>
          [id, id === 'sum' ? 1_000_000 + (s as number) : s] as const,
      );
    const { run } = await testRun(ticks(100), { storage, update });
    const { states } = await run.done;
    expect(states.get('sum')).toBe(
      1_000_000 + expectedStates(ticks(100)).states.sum,
    );
  });

  it('skips and counts messages older than the resume point', async () => {
    const storage = await MemoryStorage.open();
    await (
      await testRun(ticks(100), { storage })
    ).run.done;
    const run = startRun<Tick>({
      runId: 'run-1',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum, product },
      input: () => ticks(120), // ignores the timestamp: replays everything
    });
    const { states } = await run.done;
    expect(run.status().counters.skipped).toBe(90);
    expect(Object.fromEntries(states)).toEqual(
      expectedStates(ticks(120)).states,
    );
  });

  it('hosts many runs over one shared storage, each with its own state', async () => {
    const storage = await MemoryStorage.open();
    const runs = Array.from({ length: 50 }, (_, i) =>
      startRun<Tick>({
        runId: `run-${i}`,
        storage,
        schedule: 1_000,
        startFrom: 0,
        entities: { count: { initial: i, reduce: (n: number) => n + 1 } },
        input: () => ticks(10 + i),
      }),
    );
    const results = await Promise.all(runs.map((r) => r.done));
    expect(results.map((r) => r.states.get('count'))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 10 + i),
    );
    expect((await storage.listRuns()).length).toBe(50);
  });
});

describe('startRun: outputs', () => {
  it('numbers outputs per entity and timestamp and awaits an async sink', async () => {
    const storage = await MemoryStorage.open();
    const delivered: RunOutput[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const run = startRun<Tick>({
      runId: 'outs',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: {
        twice: {
          initial: 0,
          reduce: (n: number, m, ctx) => {
            ctx.emit(`a${m.timestamp}`);
            ctx.emit(`b${m.timestamp}`);
            return n + 1;
          },
        },
      },
      input: () => [
        { timestamp: 0, kind: 'add', value: 1 },
        { timestamp: 0, kind: 'add', value: 1 },
        { timestamp: 5, kind: 'add', value: 1 },
      ],
      output: async (o) => {
        // Recorded, not asserted here: a sink that throws restarts the run.
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
        delivered.push(o);
      },
    });
    expect((await run.done).restarts).toBe(0);
    expect(mostInFlight).toBe(1);
    expect(delivered.map((o) => [o.timestamp, o.index, o.value])).toEqual([
      [0, 0, 'a0'],
      [0, 1, 'b0'],
      [0, 2, 'a0'],
      [0, 3, 'b0'],
      [5, 0, 'a5'],
      [5, 1, 'b5'],
    ]);
    expect(delivered.every((o) => o.entityId === 'twice' && !o.replayed)).toBe(
      true,
    );
    expect(run.status().counters.outputs).toBe(6);
  });
});

describe('RunHandle#status()', () => {
  it('reports the phase, the last processed message and the newest savepoint', async () => {
    const storage = await MemoryStorage.open();
    const gate = latch();
    const waiting = latch();
    async function* input(): AsyncGenerator<Tick> {
      yield* ticks(25);
      waiting.fire(); // asked for a 26th: the 25th is handled
      await gate.wait;
    }
    const run = startRun<Tick>({
      runId: 'status',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { sum, product },
      input,
      persistIntervalMs: 0,
    });
    await waiting.wait;
    // The savepoint at 2 000 is written in the background: wait for it.
    await vi.waitFor(() => expect(run.status().newestPersisted).toBe(2_000));
    const status = run.status();
    expect(status.phase).toBe('running');
    expect(status.lastProcessed).toBe(2_400);
    expect(status.newestPersisted).toBe(2_000);
    expect(status.open).toEqual([]); // 3 000 opens with the first save into it
    expect(status.counters.messages).toBe(25);
    expect(status.store?.phase).toBe('ready');
    gate.fire();
    await run.done;
    expect(run.status().phase).toBe('completed');
  });

  it('names the entity that holds an open savepoint back', async () => {
    const storage = await MemoryStorage.open();
    const gate = latch();
    const waiting = latch();
    async function* input(): AsyncGenerator<Tick> {
      yield* ticks(11); // the ack at 1 000 saves both entities
      waiting.fire();
      await gate.wait;
      yield* ticks(5, 1_100);
    }
    const run = startRun<Tick>({
      runId: 'held',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: {
        sum,
        bad: {
          initial: () => 'a function cannot be stored',
          reduce: (s: unknown) => s,
        },
      },
      input,
    });
    await waiting.wait;
    expect(run.status()).toMatchObject({
      phase: 'running',
      lastProcessed: 1_000,
      open: [{ timestamp: 1_000, filled: 1, missing: ['bad'] }],
    });
    gate.fire();
    await expect(run.done).rejects.toMatchObject({
      code: 'E_UNSTORABLE',
      details: { entityId: 'bad' },
    });
    expect(run.status()).toMatchObject({ phase: 'failed', restarts: 0 });
  });
});

describe('RunHandle#stop()', () => {
  it('drains, persists and closes the store, resolves done as stopped, and is idempotent', async () => {
    const storage = await MemoryStorage.open();
    async function* endless(from: number, { signal }: { signal: AbortSignal }) {
      for (let ts = from; !signal.aborted; ts += 100) {
        yield { timestamp: ts, kind: 'add' as const, value: 1 };
        if (ts % 1_000 === 0) await new Promise((r) => setTimeout(r, 1));
      }
    }
    const run = startRun<Tick>({
      runId: 'stop',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { count: { initial: 0, reduce: (n: number) => n + 1 } },
      input: endless,
    });
    // Stop once a savepoint is persisted, so there is one to compare.
    await vi.waitFor(() =>
      expect(run.status().newestPersisted).toBeGreaterThan(0),
    );
    await Promise.all([run.stop(), run.stop()]);
    const result = await run.done;
    expect(result.reason).toBe('stopped');
    expect(run.status().phase).toBe('stopped');
    expect(run.status().store?.phase).toBe('closed');
    expect(await storage.newestTimestamp('stop')).toBe(result.newestPersisted);
    expect(result.newestPersisted).toBeGreaterThan(0);
    expect(storage.closed).toBe(false);
    await expect(run.stop()).resolves.toBeUndefined();
  });

  it('is what Symbol.asyncDispose does', async () => {
    const storage = await MemoryStorage.open();
    const waiting = latch();
    // Never ends by itself: only the stop that disposal does ends it.
    async function* input(from: number, { signal }: { signal: AbortSignal }) {
      yield* ticks(25).filter((m) => m.timestamp >= from);
      waiting.fire();
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    }
    let handle;
    {
      await using run = startRun<Tick>({
        runId: 'dispose',
        storage,
        schedule: 1_000,
        startFrom: 0,
        entities: { product },
        input,
      });
      handle = run;
      await waiting.wait;
    }
    expect(handle.status().phase).toBe('stopped');
    expect(handle.status().store?.phase).toBe('closed');
    expect((await handle.done).reason).toBe('stopped');
    // stop() persisted the savepoint at 2 000 before disposal returned
    expect(await storage.newestTimestamp('dispose')).toBe(2_000);
  });

  it('leaves a completed run completed on disposal', async () => {
    const storage = await MemoryStorage.open();
    const { input } = replayable(ticks(10));
    let handle;
    {
      await using run = startRun<Tick>({
        runId: 'dispose-done',
        storage,
        schedule: 1_000,
        startFrom: 0,
        entities: { product },
        input,
      });
      handle = run;
      expect((await run.done).reason).toBe('completed');
    }
    expect(handle.status().phase).toBe('completed');
  });
});
