/**
 * Child process of scenario (f) (run-many.ts), started with `--expose-gc`:
 * hosts `n` concurrent idle runs over one shared SQLite storage and sends
 * their memory and timings to the parent. Not meant to be run by hand.
 *
 * Usage: run-many-child.ts <n> <directory>
 *
 * Every run has two reducer entities, a 1 s schedule and an input that
 * yields four messages (0, 500, 1 000, 1 500 ms) and then waits for more
 * until the run is stopped, as a live source does. Once every run has
 * persisted its first savepoint (1 000), all are idle: the heap is
 * collected and memory measured against the baseline taken before the
 * first run started; after a further second, CPU use over two idle
 * seconds; then all are stopped.
 */
import { join } from 'node:path';
import { memoryUsage } from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRun, type RunHandle } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import { msSince } from './stats.js';

/** What the child reports. Memory in bytes per run; times in ms. */
export interface ManyRunsResult {
  readonly runs: number;
  readonly heapPerRun: number;
  readonly rssPerRun: number;
  readonly startupMs: number;
  /** CPU time (user + system) the process used per second while idle. */
  readonly idleCpuMsPerS: number;
  readonly stopMs: number;
}

/** Idle time before the CPU is measured, then the measured window. */
const IDLE_SETTLE_MS = 1_000;
const IDLE_WINDOW_MS = 2_000;

interface Message {
  readonly timestamp: number;
  readonly value: number;
}

const MESSAGES: readonly Message[] = [0, 500, 1_000, 1_500].map((t) => ({
  timestamp: t,
  value: t / 500,
}));

/** Four messages, then nothing until the run stops. */
async function* idleInput(
  from: number,
  { signal }: { readonly signal: AbortSignal },
): AsyncGenerator<Message> {
  for (const m of MESSAGES) if (m.timestamp >= from) yield m;
  await new Promise((resolve) =>
    signal.addEventListener('abort', resolve, { once: true }),
  );
}

function collect(): NodeJS.MemoryUsage {
  for (let i = 0; i < 3; i++) globalThis.gc?.();
  return memoryUsage();
}

/** Start `n` runs; resolve once every one has persisted a savepoint. */
async function startAll(storage: SqliteStorage, n: number) {
  const runs: RunHandle[] = [];
  let waiting = n;
  let allPersisted!: () => void;
  const persisted = new Promise<void>((resolve) => (allPersisted = resolve));
  for (let i = 0; i < n; i++) {
    let first = true;
    runs.push(
      startRun<Message>({
        runId: `idle-${i}`,
        storage,
        schedule: 1_000,
        startFrom: 0,
        entities: {
          sum: { initial: 0, reduce: (s: number, m) => s + m.value },
          last: { initial: 0, reduce: (_: number, m) => m.timestamp },
        },
        input: idleInput,
        onPersisted: () => {
          if (first && --waiting === 0) allPersisted();
          first = false;
        },
      }),
    );
  }
  await persisted;
  return runs;
}

async function main(n: number, dir: string): Promise<ManyRunsResult> {
  const storage = await SqliteStorage.open({ path: join(dir, 'runs.db') });
  const base = collect();
  const start = process.hrtime.bigint();
  const runs = await startAll(storage, n);
  const startupMs = msSince(start);
  await sleep(200); // let the last writes' promises settle
  const idle = collect();
  await sleep(IDLE_SETTLE_MS); // the collections and WAL checkpoint above
  const cpu = process.cpuUsage();
  await sleep(IDLE_WINDOW_MS);
  const used = process.cpuUsage(cpu);
  const stopStart = process.hrtime.bigint();
  await Promise.all(runs.map((run) => run.stop()));
  const stopMs = msSince(stopStart);
  await storage.close();
  return {
    runs: n,
    heapPerRun: (idle.heapUsed - base.heapUsed) / n,
    rssPerRun: (idle.rss - base.rss) / n,
    startupMs,
    idleCpuMsPerS: (used.user + used.system) / IDLE_WINDOW_MS,
    stopMs,
  };
}

const [nArg, dir] = process.argv.slice(2);
if (nArg === undefined || dir === undefined) {
  throw new Error('usage: run-many-child.ts <n> <directory>');
}
const result = await main(Number(nArg), dir);
process.send?.(result);
