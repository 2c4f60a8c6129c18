/**
 * Scenario (e): messages per second through a supervised run (`startRun`)
 * of two reducer entities with a 1 s schedule on SQLite, against its floor,
 * a bare loop calling the same reducers on the same messages.
 *
 * **Input**: one array of pre-generated messages `{ timestamp, key, value }`
 * (`key` one of 16), read through the same replayable async generator by
 * both sides, so both pay the same `for await` per message. Two message
 * densities: 1 000 and 10 000 messages per event-second (1 000 and 100
 * messages per savepoint), since the run's cost per message depends on how
 * often a savepoint is due.
 *
 * **runstate**: `startRun` over a fresh `SqliteStorage` file (default
 * options: WAL, `synchronous: 'full'`) in a temporary directory, schedule
 * 1 000 ms, start at 0, default `persistIntervalMs`; both entities accept
 * every message. Timed: from `startRun` until `run.done` resolves (the
 * initial load, every ack, reducer call and savepoint, and the final
 * persist). The final states are checked against the floor's.
 *
 * **Floor**: `for await` over the same generator, calling the same two
 * reducers with a context object, no persistence.
 *
 * **xstate entities** (reported, no target): the same run with the two
 * entities as xstate v5 machines (an `assign` per message), on a tenth of
 * the messages (it is slower per message).
 *
 * Each side runs once as a warm-up, then {@link RUNS} times, alternating;
 * the heap is collected before every timed run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRun, type MetricsRecorder } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import { collectGarbage } from './gc.js';
import {
  entitiesOf,
  floorOnce,
  inputOf,
  makeMessages,
  type Kind,
  type Message,
} from './run-workload.js';
import { msSince, summarize, type Summary } from './stats.js';

/** Messages per timed run of the reducer sides. */
export const MESSAGES = 1_000_000;
/** Messages per timed run of the xstate side. */
export const MACHINE_MESSAGES = 100_000;
/** Message densities, in messages per event-second. */
export const DENSITIES = [1_000, 10_000] as const;
const RUNS = 5;
const SCHEDULE = 1_000;

/** Result of scenario (e) at one density; times in ms per run. */
export interface ThroughputResult {
  readonly density: number;
  readonly messages: number;
  readonly run: Summary;
  readonly floor: Summary;
  readonly machineMessages: number;
  readonly machine: Summary;
  /** Savepoints due in one reducer run (one per event-second). */
  readonly due: number;
  /** Savepoints persisted per reducer run (the rest were superseded). */
  readonly persisted: Summary;
}

/** One timed run through `startRun`; returns ms and the final states. */
async function runOnce(
  dir: string,
  n: number,
  messages: readonly Message[],
  kind: Kind,
  metrics?: MetricsRecorder,
) {
  const storage = await SqliteStorage.open({ path: join(dir, `run-${n}.db`) });
  try {
    let persisted = 0;
    const start = process.hrtime.bigint();
    const run = startRun<Message>({
      onPersisted: () => void persisted++,
      runId: `throughput-${n}`,
      storage,
      schedule: SCHEDULE,
      startFrom: 0,
      entities: entitiesOf(kind),
      input: inputOf(messages),
      ...(metrics === undefined ? {} : { metrics }),
    });
    const { states } = await run.done;
    return { ms: msSince(start), states, persisted };
  } finally {
    await storage.close();
  }
}

function check(actual: unknown, expected: unknown, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: final state differs from the floor's`);
  }
}

/** Times (ms per run) of each side, and savepoints persisted per run. */
interface Samples {
  readonly run: number[];
  readonly floor: number[];
  readonly machine: number[];
  readonly persisted: number[];
}

/** What one density's runs share. */
interface Workload {
  readonly dir: string;
  readonly messages: readonly Message[];
  readonly expected: Awaited<ReturnType<typeof floorOnce>>;
  readonly few: readonly Message[];
  readonly fewSum: number;
  runs: number;
}

/** The reducer run and the floor, in `order`; samples go `into` (not in the warm-up). */
async function reducerRound(
  w: Workload,
  order: readonly string[],
  into: Samples | undefined,
) {
  for (const side of order) {
    collectGarbage();
    if (side === 'floor') {
      const start = process.hrtime.bigint();
      check(await floorOnce(w.messages), w.expected, 'floor');
      into?.floor.push(msSince(start));
    } else {
      const r = await runOnce(w.dir, w.runs++, w.messages, 'reducer');
      check(Object.fromEntries(r.states), w.expected, 'run');
      into?.run.push(r.ms);
      into?.persisted.push(r.persisted);
    }
  }
}

/** The same run with xstate machine entities, on the first messages. */
async function machineRound(w: Workload, into: Samples | undefined) {
  collectGarbage();
  const m = await runOnce(w.dir, w.runs++, w.few, 'machine');
  const got = Object.fromEntries(m.states) as Record<
    string,
    { context: Record<string, number> }
  >;
  check(
    [got.sum?.context.total, got.counts?.context.n],
    [w.fewSum, w.few.length],
    'machine run',
  );
  into?.machine.push(m.ms);
}

/** Scenario (e) at one density: a warm-up round, then {@link RUNS}. */
async function atDensity(density: number): Promise<ThroughputResult> {
  const messages = makeMessages(MESSAGES, density);
  const few = messages.slice(0, MACHINE_MESSAGES);
  const w: Workload = {
    dir: mkdtempSync(join(tmpdir(), 'runstate-bench-run-')),
    messages,
    expected: await floorOnce(messages),
    few,
    fewSum: (await floorOnce(few)).sum,
    runs: 0,
  };
  const samples: Samples = { run: [], floor: [], machine: [], persisted: [] };
  try {
    for (let i = 0; i <= RUNS; i++) {
      const into = i > 0 ? samples : undefined; // round 0 is the warm-up
      await reducerRound(
        w,
        i % 2 === 0 ? ['run', 'floor'] : ['floor', 'run'],
        into,
      );
      await machineRound(w, into);
    }
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
  return {
    density,
    messages: MESSAGES,
    run: summarize(samples.run),
    floor: summarize(samples.floor),
    machineMessages: MACHINE_MESSAGES,
    machine: summarize(samples.machine),
    due: Math.ceil((messages.at(-1)?.timestamp ?? 0) / SCHEDULE),
    persisted: summarize(samples.persisted),
  };
}

/** Scenario (e) at every density of {@link DENSITIES}. */
export async function runThroughputBench(
  log: (line: string) => void,
): Promise<ThroughputResult[]> {
  const results: ThroughputResult[] = [];
  for (const density of DENSITIES) {
    log(`  ${density} messages per event-second…`);
    results.push(await atDensity(density));
  }
  return results;
}

let shared: { messages: Message[]; expected: unknown } | undefined;

/**
 * One timed reducer run over {@link MESSAGES} messages at 1 000 per
 * event-second (scenario (e)'s first density), with `metrics` when given;
 * returns its ms. For scenario (i).
 */
export async function timedRun(metrics?: MetricsRecorder): Promise<number> {
  shared ??= await (async () => {
    const messages = makeMessages(MESSAGES, DENSITIES[0]);
    return { messages, expected: await floorOnce(messages) };
  })();
  const dir = mkdtempSync(join(tmpdir(), 'runstate-bench-run-'));
  try {
    const r = await runOnce(dir, 0, shared.messages, 'reducer', metrics);
    check(Object.fromEntries(r.states), shared.expected, 'run');
    return r.ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
