/**
 * Two restart rules the crash model found broken, each on its smallest
 * case: a restart before the first savepoint starts from the declared
 * initial state although the reducer mutated its state in place, and only
 * outputs of messages handled before the failure are flagged `replayed`,
 * even when the failed message shares its timestamp with earlier ones.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, startRun, type RunOutput } from 'runstate';

interface Tick {
  readonly timestamp: number;
  readonly n: number;
}

const ticks = (timestamps: readonly number[]): Tick[] =>
  timestamps.map((timestamp, n) => ({ timestamp, n }));

/** Throws on message `n` the first time it is handled. */
function failOnceAt(n: number) {
  let failed = false;
  return (message: Tick) => {
    if (message.n === n && !failed) {
      failed = true;
      throw new Error(`glitch at ${n}`);
    }
  };
}

describe('startRun restarts', () => {
  it('start a fresh attempt from the initial state the reducer mutated', async () => {
    const initial = { handled: 0 };
    const glitch = failOnceAt(3);
    const run = startRun<Tick>({
      runId: 'fresh-restart',
      storage: new MemoryStorage(),
      schedule: 1_000_000, // no savepoint before the glitch
      startFrom: 0,
      entities: {
        counter: {
          initial,
          reduce: (state: { handled: number }, message: Tick) => {
            glitch(message);
            state.handled++;
            return state;
          },
        },
      },
      input: (from) =>
        ticks([10, 20, 30, 40, 50]).filter((t) => t.timestamp >= from),
    });
    const result = await run.done;
    expect(result.restarts).toBe(1);
    expect(result.states.get('counter')).toEqual({ handled: 5 });
    expect(initial).toEqual({ handled: 0 });
  });

  it('flag as replayed only outputs the sink saw before the failure', async () => {
    const delivered: RunOutput[] = [];
    const glitch = failOnceAt(2);
    const run = startRun<Tick, number>({
      runId: 'shared-timestamp',
      storage: new MemoryStorage(),
      schedule: 1_000_000,
      startFrom: 0,
      entities: {
        echo: (_state: undefined, message: Tick, ctx) => {
          glitch(message);
          ctx.emit(message.n);
        },
      },
      input: () => ticks([100, 100, 100, 100]),
      output: (output) => void delivered.push(output),
    });
    await run.done;
    expect(delivered.map((o) => [o.value, o.index, o.replayed])).toEqual([
      [0, 0, false],
      [1, 1, false],
      // restart: messages 0 and 1 again, then 2 and 3 for the first time
      [0, 0, true],
      [1, 1, true],
      [2, 2, false],
      [3, 3, false],
    ]);
  });
});
