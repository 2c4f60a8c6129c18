import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  startRun,
  type RunOptions,
} from '../../../src/index.js';
import { latch, ticks, type Tick } from './helpers.js';

const count = { initial: 0, reduce: (n: number) => n + 1 };

async function runOver(
  messages: readonly unknown[],
  options: Partial<RunOptions<Tick>> = {},
) {
  const storage = await MemoryStorage.open();
  const restarts: string[] = [];
  const run = startRun<Tick>({
    runId: 'input',
    storage,
    schedule: 1_000,
    startFrom: 0,
    entities: { count },
    input: () => messages as Tick[],
    onRestart: (info) => void restarts.push(info.cause.code),
    ...options,
  });
  return { run, restarts };
}

const late = [
  { timestamp: 100 },
  { timestamp: 300 },
  { timestamp: 200 },
  { timestamp: 400 },
];

describe('startRun: message order and lateness', () => {
  it('rejects a late message with E_OUT_OF_ORDER by default, without restarting', async () => {
    const { run, restarts } = await runOver(late);
    await expect(run.done).rejects.toMatchObject({
      name: 'RunStateError',
      code: 'E_OUT_OF_ORDER',
      details: { runId: 'input', timestamp: 200, lastProcessed: 300 },
    });
    expect(restarts).toEqual([]);
    expect(run.status()).toMatchObject({ phase: 'failed', lastProcessed: 300 });
  });

  it("drops late messages with lateness 'drop', counting them", async () => {
    const { run } = await runOver(late, { lateness: 'drop' });
    const { states } = await run.done;
    expect(states.get('count')).toBe(3);
    expect(run.status().counters.dropped).toBe(1);
  });

  it("handles late messages with lateness 'process'", async () => {
    const seen: number[] = [];
    const { run } = await runOver(late, {
      lateness: 'process',
      entities: {
        log: {
          initial: 0,
          reduce: (n: number, m: Tick) => (seen.push(m.timestamp), n + 1),
        },
      },
    });
    await run.done;
    expect(seen).toEqual([100, 300, 200, 400]);
  });

  it('accepts messages with equal timestamps', async () => {
    const { run } = await runOver([{ timestamp: 5 }, { timestamp: 5 }]);
    expect((await run.done).states.get('count')).toBe(2);
  });

  it.each([
    ['no timestamp', {}],
    ['a string timestamp', { timestamp: '10' }],
    ['a negative timestamp', { timestamp: -1 }],
    ['a fractional timestamp', { timestamp: 1.5 }],
    ['null', null],
  ])(
    'stops with E_INVALID_MESSAGE on a message with %s',
    async (_, message) => {
      const { run, restarts } = await runOver([{ timestamp: 0 }, message]);
      await expect(run.done).rejects.toMatchObject({
        code: 'E_INVALID_MESSAGE',
      });
      expect(restarts).toEqual([]);
    },
  );

  it('fails with E_INPUT_FAILED when input returns no iterable', async () => {
    const { run, restarts } = await runOver([], {
      input: () => 42 as unknown as Tick[],
      maxRestarts: 1,
    });
    await expect(run.done).rejects.toMatchObject({
      code: 'E_RESTART_LIMIT',
      cause: { code: 'E_INPUT_FAILED' },
    });
    expect(restarts).toEqual(['E_INPUT_FAILED']);
  });

  it('passes an AbortSignal that aborts on stop', async () => {
    let signal: AbortSignal | undefined;
    const waiting = latch();
    const { run } = await runOver([], {
      input: async function* (_from, options) {
        signal = options.signal;
        yield* ticks(3);
        waiting.fire();
        await new Promise((resolve) =>
          options.signal.addEventListener('abort', resolve),
        );
      },
    });
    await waiting.wait;
    expect(signal?.aborted).toBe(false);
    await run.stop();
    expect(signal?.aborted).toBe(true);
    expect((await run.done).reason).toBe('stopped');
  });

  it('stops cleanly when the input ends by throwing on abort', async () => {
    const waiting = latch();
    const { run, restarts } = await runOver([], {
      input: async function* (_from, { signal }) {
        yield* ticks(3);
        waiting.fire();
        await new Promise((_, reject) =>
          signal.addEventListener('abort', () =>
            reject(signal.reason as Error),
          ),
        );
      },
    });
    await waiting.wait; // the input is waiting when the stop comes
    await run.stop();
    expect((await run.done).reason).toBe('stopped');
    expect(run.status().counters.messages).toBe(3);
    expect(restarts).toEqual([]);
  });
});
