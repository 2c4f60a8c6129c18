/**
 * 02-supervised-run: a supervised run (`startRun`) of two reducer entities
 * over a stream of sensor readings, on SQLite. Half-way through, an entity
 * throws once (the run restarts itself from its newest savepoint), and then
 * the whole process is killed with SIGKILL. A new process resumes the run
 * from its newest savepoint and replays the input from there. The final
 * state equals an uninterrupted run's, and so do the outputs once
 * deduplicated by their key (entity, watermark, index).
 *
 * Prerequisites: `npm install`. No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/02-supervised-run.ts`
 */
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRun, type EntityContext, type RunOutput } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';

interface Reading {
  readonly timestamp: number;
  readonly sensor: 'a' | 'b';
  readonly celsius: number;
}

const TOTAL = 20_000;
/** One reading every 500 ms of event time, from sensors a and b in turn. */
function reading(i: number): Reading {
  return {
    timestamp: i * 500,
    sensor: i % 2 === 0 ? 'a' : 'b',
    celsius: 15 + ((i * 37) % 100) / 10,
  };
}

/** The input: every reading from `from` on, replayable, a bit slow. */
async function* readingsFrom(from: number): AsyncGenerator<Reading> {
  for (let i = Math.ceil(from / 500); i < TOTAL; i++) {
    if (i % 100 === 0) await sleep(2); // a live source takes its time
    yield reading(i);
  }
}

/** Per-sensor maximum; emits an alert for every reading over 24.5 °C. */
function maxima(
  state: Record<string, number>,
  r: Reading,
  ctx: EntityContext<string>,
) {
  if (r.celsius > (state[r.sensor] ?? -Infinity)) state[r.sensor] = r.celsius;
  if (r.celsius > 24.5) ctx.emit(`hot: ${r.celsius} °C on sensor ${r.sensor}`);
  return state;
}

/** How many readings each sensor sent. */
const counts = (state: Record<string, number>, r: Reading) => ({
  ...state,
  [r.sensor]: (state[r.sensor] ?? 0) + 1,
});

/** The worker: resumes (or starts) the run and processes to the end. */
async function worker(dir: string): Promise<void> {
  await using storage = await SqliteStorage.open({ path: join(dir, 'run.db') });
  let glitch = process.argv[4] === 'glitch';
  const run = startRun<Reading, string>({
    runId: 'sensors',
    storage,
    schedule: 60_000, // a savepoint per minute of event time
    startFrom: 0,
    entities: {
      maxima: {
        initial: {},
        reduce: (state: Record<string, number>, r: Reading, ctx) => {
          if (glitch && r.timestamp === 3_030_000) {
            glitch = false;
            throw new Error('sensor glitch');
          }
          return maxima(state, r, ctx);
        },
      },
      counts: { initial: {}, reduce: counts },
    },
    input: readingsFrom,
    output: (o: RunOutput<string>) =>
      appendFileSync(join(dir, 'outputs.jsonl'), `${JSON.stringify(o)}\n`),
    onRestart: (info) =>
      console.log(
        `  worker: ${info.cause.message}; restarting from the newest savepoint`,
      ),
    onPersisted: (info) => console.log(`persisted ${info.timestamp}`),
  });
  const { states, restarts } = await run.done;
  writeFileSync(
    join(dir, 'result.json'),
    JSON.stringify(Object.fromEntries(states)),
  );
  console.log(`  worker: input ended (${restarts} restart(s) in this process)`);
}

/** Start a worker; SIGKILL it soon after a savepoint at or past `killAt`. */
function runWorker(dir: string, glitch: boolean, killAt = Infinity) {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [
      ...['--import', 'tsx', '--conditions=runstate-source', self],
      ...['worker', dir, glitch ? 'glitch' : ''],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let killing = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      if (!line.startsWith('persisted')) console.log(line);
      else if (!killing && Number(line.split(' ')[1]) >= killAt) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), 30);
      }
    }
  });
  return new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
}

/** The uninterrupted result, computed in memory. */
function uninterrupted() {
  let m: Record<string, number> = {};
  let c: Record<string, number> = {};
  const outputs = new Map<string, string>();
  for (let i = 0; i < TOTAL; i++) {
    const r = reading(i);
    let index = 0; // the input is in order: each watermark is the timestamp
    const ctx = {
      entityId: 'maxima',
      timestamp: r.timestamp,
      emit: (v: string) => outputs.set(`maxima@${r.timestamp}#${index++}`, v),
    };
    m = maxima(m, r, ctx);
    c = counts(c, r);
  }
  return { states: { maxima: m, counts: c }, outputs };
}

if (process.argv[2] === 'worker') {
  await worker(process.argv[3]!);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-supervised-'));
  console.log(`runstate supervised run: ${TOTAL} readings, state in ${dir}`);
  const signal = await runWorker(dir, true, 4_000_000);
  if (signal !== 'SIGKILL') throw new Error('the worker ended before the kill');
  console.log(
    '  ✗ worker 1 killed with SIGKILL after its savepoint at 4 000 000 or later',
  );
  await runWorker(dir, false);
  const expected = uninterrupted();
  const actual = JSON.parse(
    readFileSync(join(dir, 'result.json'), 'utf8'),
  ) as unknown;
  const lines = readFileSync(join(dir, 'outputs.jsonl'), 'utf8').split('\n');
  const seen = new Map<string, string>();
  let duplicates = 0;
  for (const line of lines.filter(Boolean)) {
    const o = JSON.parse(line) as RunOutput<string>;
    const key = `${o.entityId}@${o.watermark}#${o.index}`;
    if (seen.has(key)) duplicates++;
    else seen.set(key, o.value);
  }
  if (JSON.stringify(actual) !== JSON.stringify(expected.states)) {
    throw new Error(
      `final state ${JSON.stringify(actual)} differs from the uninterrupted run`,
    );
  }
  if (JSON.stringify([...seen]) !== JSON.stringify([...expected.outputs])) {
    throw new Error('deduplicated outputs differ from the uninterrupted run');
  }
  console.log(
    `  outputs: ${seen.size} distinct, ${duplicates} re-emitted on replay (at-least-once)`,
  );
  console.log(
    '✓ final state and deduplicated outputs equal the uninterrupted run',
  );
}
