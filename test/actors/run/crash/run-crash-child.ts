/**
 * Child process of the run crash test (`run-crash.test.ts`): runs the crash
 * model (`run-crash-model.ts`) with `startRun` on a SQLite file until its
 * input ends or it is SIGKILLed. Not a test file; not meant to be run by
 * hand.
 *
 * Usage: run-crash-child.ts <sqlite path> <outputs path> <result path>
 * <seed> <messages>
 *
 * Every output is appended to the outputs file as one JSON line
 * `[entityId, timestamp, index, value]`, written synchronously before the
 * run goes on; a torn last line left by a kill is cut off at start. When the
 * run completes, the final states go to the result file (`v8.serialize`,
 * written to a temporary file and renamed). Reports on stdout, one line per
 * `writeSync`, so all of it reaches the parent before a kill:
 *
 * - `newest <timestamp|none>`: the newest savepoint on disk at start;
 * - `start <timestamp>`: where the run's input was (re)played from;
 * - `progress <seq> <ms>`: every {@link PROGRESS_EVERY} messages, with the
 *   wall ms since the input started;
 * - `done <messages> <ms>`: the run completed (messages handled, wall ms);
 * - `torn <bytes>`: a torn last output line was cut off;
 * - `error <message>`: the run failed.
 */
import {
  closeSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { serialize } from 'node:v8';
import { startRun, type RunOutput } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import {
  RUN_ID,
  SCHEDULE,
  START_FROM,
  crashEntities,
  messages,
  type CrashMessage,
} from './run-crash-model.js';

/** Messages between two `progress` lines. */
export const PROGRESS_EVERY = 10_000;

const [dbPath, outputsPath, resultPath, seedArg, countArg] =
  process.argv.slice(2);
if (
  dbPath === undefined ||
  outputsPath === undefined ||
  resultPath === undefined
) {
  throw new Error(
    'usage: run-crash-child.ts <db> <outputs> <result> <seed> <n>',
  );
}
const seed = Number(seedArg);
const count = Number(countArg);

const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};

/** Cut a torn last line off the outputs file; open it for appending. */
function openOutputs(path: string): number {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // no file yet
  }
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
    closeSync(fd);
    say(`torn ${text.length - end}`);
  }
  return openSync(path, 'a');
}

/** The model's input, announcing where it starts and how far it got. */
function* reported(
  from: number,
  { signal }: { readonly signal: AbortSignal },
): Generator<CrashMessage> {
  say(`start ${from}`);
  const began = performance.now();
  for (const message of messages(seed, count, from, signal)) {
    if (message.seq % PROGRESS_EVERY === 0) {
      say(`progress ${message.seq} ${Math.round(performance.now() - began)}`);
    }
    yield message;
  }
}

async function main(): Promise<void> {
  const storage = await SqliteStorage.open({
    path: dbPath!,
    synchronous: 'normal',
  });
  const newest = await storage.newestTimestamp(RUN_ID);
  say(`newest ${newest ?? 'none'}`);
  const fd = openOutputs(outputsPath!);
  const sink = (o: RunOutput): void => {
    writeSync(
      fd,
      `${JSON.stringify([o.entityId, o.timestamp, o.index, o.value])}\n`,
    );
  };
  const began = performance.now();
  const run = startRun({
    runId: RUN_ID,
    storage,
    schedule: SCHEDULE,
    startFrom: START_FROM,
    entities: crashEntities(),
    input: reported,
    output: sink,
    maxRestarts: 0,
    // The killed predecessor's lease lives on for its TTL: keep it short,
    // and wait for it (the run's default).
    lease: { ttlMs: 500 },
  });
  const result = await run.done;
  const ms = Math.round(performance.now() - began);
  closeSync(fd);
  writeFileSync(`${resultPath}.tmp`, serialize(result.states));
  renameSync(`${resultPath}.tmp`, resultPath!);
  await storage.close();
  say(`done ${run.status().counters.messages} ${ms}`);
}

main().catch((error: unknown) => {
  say(`error ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
