import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  startRun,
  type EntityContext,
} from '../../src/index.js';
import { createTestClock } from '../../src/testing/index.js';
import { memoryStore, settle } from '../actors/state-store/helpers.js';
import { sum, ticks, type Tick } from '../actors/run/helpers.js';

describe('createTestClock()', () => {
  it('fires due timers in due order as time advances, each at its time', async () => {
    const clock = createTestClock(1_000);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
    clock.setTimeout(() => fired.push(['a', clock.now()]), 100);
    const c = clock.setTimeout(() => fired.push(['c', clock.now()]), 150);
    clock.clearTimeout(c);
    expect(clock.pending()).toBe(2);
    await clock.advance(150);
    expect(fired).toEqual([['a', 1_100]]);
    expect(clock.now()).toBe(1_150);
    await clock.advance(50);
    expect(fired).toEqual([
      ['a', 1_100],
      ['b', 1_200],
    ]);
    expect(clock.pending()).toBe(0);
  });

  it('fires timers set by fired timers when they fall due in the same advance', async () => {
    const clock = createTestClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 10);
    }, 10);
    await clock.advance(25);
    expect(fired).toEqual([10, 20]);
  });

  it.each([
    [-1, RangeError],
    [1.5, RangeError],
    [Number.NaN, RangeError],
    ['5', TypeError],
  ])('refuses to advance by %s', async (ms, type) => {
    await expect(createTestClock().advance(ms as number)).rejects.toThrow(type);
  });

  it('refuses a start that is not a time', () => {
    expect(() => createTestClock(-5)).toThrow(/start must be/);
  });
});

describe('a simulated clock in startRun', () => {
  /** `sum`, throwing on the message at 1 100 the first `times` visits. */
  const flaky = (times: number) => ({
    ...sum,
    reduce: (s: number, m: Tick, ctx: EntityContext) => {
      if (m.timestamp === 1_100 && times-- > 0) throw new Error('transient');
      return sum.reduce(s, m, ctx);
    },
  });

  it('waits the restart delay on the clock, not in real time', async () => {
    const clock = createTestClock();
    const run = startRun<Tick>({
      runId: 'delay',
      storage: await MemoryStorage.open(),
      schedule: 1_000,
      startFrom: 0,
      entities: { sum: flaky(1) },
      input: (from) => ticks(20).filter((m) => m.timestamp >= from),
      restartDelayMs: 3_600_000,
      clock,
    });
    const started = performance.now();
    while (run.status().phase !== 'restarting') await settle();
    await clock.advance(3_599_999);
    expect(run.status().phase).toBe('restarting');
    await clock.advance(1);
    const result = await run.done;
    expect(result.restarts).toBe(1);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('measures the restart window with the clock', async () => {
    const clock = createTestClock();
    const run = startRun<Tick>({
      runId: 'window',
      storage: await MemoryStorage.open(),
      schedule: 1_000,
      startFrom: 0,
      entities: { sum: flaky(4) },
      input: (from) => ticks(20).filter((m) => m.timestamp >= from),
      maxRestarts: 1,
      withinMs: 5_000,
      restartDelayMs: 10_000, // every failure 10 s after the previous one
      clock,
    });
    let done = false;
    void run.done.finally(() => (done = true));
    while (!done) await clock.advance(10_000);
    expect((await run.done).restarts).toBe(4);
  });

  it('refuses a clock without its methods, naming the option', () => {
    expect(() =>
      startRun<Tick>({
        runId: 'bad',
        storage: new MemoryStorage(),
        schedule: 1_000,
        startFrom: 0,
        entities: { sum },
        input: () => [],
        clock: { setTimeout: () => 0 } as never,
      }),
    ).toThrow(/options\.clock .*missing clearTimeout, now/);
  });
});

describe('a simulated clock in the StateStore', () => {
  it('paces writes by the clock: the next one waits for advance()', async () => {
    const clock = createTestClock();
    const { store, persisted } = await memoryStore({
      persistIntervalMs: 60_000,
      clock,
    });
    let [a] = await store.initRunState<number>(0, [['a', 0]]);
    a = a!.ackProcessedTime(60_000);
    await settle();
    a.ackProcessedTime(120_000);
    await settle();
    expect(persisted).toEqual([60_000]);
    await clock.advance(59_999);
    expect(persisted).toEqual([60_000]);
    await clock.advance(1);
    await settle();
    expect(persisted).toEqual([60_000, 120_000]);
    await store.close();
  });

  it('refuses a clock that is not one, naming the option', async () => {
    await expect(memoryStore({ clock: 5 as never })).rejects.toThrow(
      /^clock must be a clock/,
    );
  });
});
