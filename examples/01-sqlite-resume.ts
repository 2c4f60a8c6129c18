/**
 * 01-sqlite-resume: a stream processor that persists savepoints to SQLite, is
 * killed with SIGKILL in the middle of its stream, resumes from its newest
 * savepoint, and ends with exactly the result of an uninterrupted run.
 *
 * Prerequisites: `npm install` (builds better-sqlite3). No server needed.
 * Run: `npm run demo` (the database goes to a temporary directory; pass a
 * directory as the first argument to keep it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SqliteStorage } from 'runstate/sqlite';
import { TOTAL, clock, uninterruptedResult } from './demo-stream.js';

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'runstate-demo-'));
const dbPath = join(dir, 'shop.sqlite');
const resultPath = join(dir, 'result.json');
const worker = fileURLToPath(new URL('./demo-worker.ts', import.meta.url));
/** The first run is killed after this many savepoints. */
const KILL_AFTER = 120;

interface WorkerMessage {
  type: 'started' | 'persisted' | 'error' | 'finished';
  resumed?: boolean;
  timestamp?: number;
  entityCount?: number;
  handled?: number;
  code?: string;
  message?: string;
}

/** Run the worker; `kill` decides after each message whether to SIGKILL it. */
function runWorker(
  label: string,
  kill: (message: WorkerMessage, persisted: number) => boolean,
): Promise<{ signal: NodeJS.Signals | null; persisted: number }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=runstate-source',
      worker,
      dbPath,
      resultPath,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let persisted = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as WorkerMessage;
    if (message.type === 'persisted') persisted++;
    print(label, message, persisted);
    if (child.exitCode === null && kill(message, persisted)) {
      child.kill('SIGKILL');
      console.log(
        `  ✗ ${label}: killed with SIGKILL after ${persisted} savepoints`,
      );
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === null && code !== 0)
        reject(new Error(`${label} exited with code ${code}`));
      else resolve({ signal, persisted });
    });
  });
}

function print(label: string, message: WorkerMessage, persisted: number): void {
  const at = message.timestamp === undefined ? '' : clock(message.timestamp);
  if (message.type === 'started') {
    console.log(
      message.resumed === true
        ? `  ${label}: resumed from the savepoint at ${at}, replaying the input from there`
        : `  ${label}: no savepoint yet, started fresh at ${at}`,
    );
  } else if (message.type === 'persisted' && persisted % 60 === 0) {
    console.log(
      `  ${label}: savepoint ${at} persisted (${message.entityCount} entities, ${persisted} so far)`,
    );
  } else if (message.type === 'error') {
    console.log(`  ${label}: error ${message.code}: ${message.message}`);
  } else if (message.type === 'finished') {
    console.log(
      `  ${label}: finished the stream (${message.handled} events handled in this run)`,
    );
  }
}

console.log(
  `runstate demo: ${TOTAL} shop events, a savepoint every minute of event time`,
);
console.log(`  database: ${dbPath}`);
const expected = uninterruptedResult();
console.log(
  '  reference: the whole stream reduced in memory, without interruption',
);

const first = await runWorker(
  'run 1',
  (_message, persisted) => persisted >= KILL_AFTER,
);
if (first.signal !== 'SIGKILL')
  throw new Error('the first run finished before it could be killed');

{
  await using storage = await SqliteStorage.open({
    path: dbPath,
    readOnly: true,
  });
  const kept = await storage.listSavepoints('shop-demo');
  console.log(
    `  on disk after the crash: savepoints ${kept.map(clock).join(', ')}`,
  );
}

await runWorker('run 2', () => false);
const actual = readFileSync(resultPath, 'utf8');
if (actual !== expected) {
  console.log(`  expected ${expected}\n  actual   ${actual}`);
  throw new Error('the resumed run does not match the uninterrupted run');
}
console.log(
  '✓ final state equals the uninterrupted run: nothing lost, nothing counted twice',
);
