/**
 * A run's failure never vanishes: an unstorable state fails the run even
 * while it stops, and a failure nobody listens for (no logger, `done` not
 * read) is emitted as a process warning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  startRun,
  type RunOptions,
} from '../../../src/index.js';
import { captureLogger } from '../state-store/helpers.js';

interface Tick {
  readonly timestamp: number;
}

const warnings: Error[] = [];
/** Warnings are emitted on the next tick. */
const ticked = () => new Promise((resolve) => setImmediate(resolve));
const listen = (warning: Error) => void warnings.push(warning);

afterEach(async () => {
  await ticked(); // let a test's own warnings arrive before the next test
  process.off('warning', listen);
  warnings.length = 0;
});

/** A state holding a function from the message at 500 on: unstorable. */
const fragile = {
  initial: {} as object,
  reduce: (state: object, m: Tick) =>
    m.timestamp === 500 ? { callback: () => m.timestamp } : state,
};

/**
 * A run of `fragile` over 0, 500, 1500 (so savepoint 1000 is due at 1500),
 * whose input then waits for the stop; `reached` resolves once 1500 was
 * handled.
 */
async function fragileRun(options: Partial<RunOptions<Tick>> = {}) {
  process.on('warning', listen);
  let reached!: () => void;
  const handled = new Promise<void>((resolve) => (reached = resolve));
  const run = startRun<Tick>({
    runId: 'fragile',
    storage: await MemoryStorage.open(),
    schedule: 1_000,
    startFrom: 0,
    entities: { fragile },
    input: async function* (_from, { signal }) {
      yield* [{ timestamp: 0 }, { timestamp: 500 }, { timestamp: 1_500 }];
      reached();
      await new Promise((resolve) =>
        signal.addEventListener('abort', resolve, { once: true }),
      );
    },
    ...options,
  });
  return { run, handled };
}

describe('startRun: errors nobody hears', () => {
  it('fails with E_UNSTORABLE instead of ending as a clean stop', async () => {
    const { run, handled } = await fragileRun();
    await handled;
    await run.stop();
    expect(run.status().phase).toBe('failed');
    await expect(run.done).rejects.toMatchObject({
      code: 'E_UNSTORABLE',
      details: { entityId: 'fragile' },
    });
  });

  it('emits a failure as a process warning when nothing read done and there is no logger', async () => {
    const { run, handled } = await fragileRun();
    await handled;
    await run.stop();
    await ticked();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      name: 'RunStateError',
      code: 'E_UNSTORABLE',
    });
  });

  it('does not warn when done was read before the failure', async () => {
    const { run, handled } = await fragileRun();
    const done = run.done;
    await handled;
    await run.stop();
    await expect(done).rejects.toMatchObject({ code: 'E_UNSTORABLE' });
    await ticked();
    expect(warnings).toEqual([]);
  });

  it('logs the failure at error level instead when a logger is given', async () => {
    const { logger, lines } = captureLogger();
    const { run, handled } = await fragileRun({ logger });
    await handled;
    await run.stop();
    await ticked();
    expect(warnings).toEqual([]);
    expect(lines.filter((l) => l.level === 'error')).toMatchObject([
      {
        message: 'run failed',
        bindings: { runId: 'fragile', code: 'E_UNSTORABLE' },
      },
    ]);
  });

  it('ends a stop with a failure a restart would mend as stopped, keeping it in lastError', async () => {
    let stop = (): unknown => undefined;
    const { run } = await fragileRun({
      entities: {
        loud: (state: unknown, m: Tick, ctx: { emit(v: unknown): void }) => {
          ctx.emit(m.timestamp);
          return state;
        },
      },
      output: () => {
        stop();
        throw new Error('sink down');
      },
    });
    stop = () => void run.stop();
    expect((await run.done).reason).toBe('stopped');
    expect(run.status().lastError?.code).toBe('E_OUTPUT_FAILED');
    expect(warnings).toEqual([]);
  });
});
