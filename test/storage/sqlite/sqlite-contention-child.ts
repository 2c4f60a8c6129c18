/**
 * Child process of `sqlite-contention.test.ts`. Not a test file.
 *
 * Usage: sqlite-contention-child.ts <path> <hold|open> <ms>
 *
 * - `hold`: opens `<path>` with better-sqlite3 (creating it), takes the
 *   write lock with `BEGIN IMMEDIATE`, prints `locked`, holds it `<ms>`
 *   milliseconds, commits and prints `released`.
 * - `open`: prints `ready`, waits for a line `go <epoch ms> <rounds>` on
 *   stdin; then, for each round r, spins until `<epoch ms> + r × 100` (so
 *   every child starts at the same instant), opens a SqliteStorage on the
 *   new file `<path>.<r>` with `busyTimeoutMs: <ms>`, writes one savepoint
 *   to the run named after its pid and closes it. Prints `ok`, or
 *   `error <code> <cause code>` at the first failure.
 *
 * Lines are written synchronously.
 */
import Database from 'better-sqlite3';
import { writeSync } from 'node:fs';
import { once } from 'node:events';
import { isRunStateError } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';

const [path, mode, ms] = process.argv.slice(2);
if (path === undefined || ms === undefined) {
  throw new Error('usage: sqlite-contention-child.ts <path> <hold|open> <ms>');
}
const say = (line: string): void => void writeSync(1, `${line}\n`);

if (mode === 'hold') {
  const db = new Database(path);
  db.exec('BEGIN IMMEDIATE');
  say('locked');
  await new Promise((resolve) => setTimeout(resolve, Number(ms)));
  db.exec('COMMIT');
  db.close();
  say('released');
} else {
  say('ready');
  process.stdin.resume();
  const [go] = (await once(process.stdin, 'data')) as [Buffer];
  process.stdin.pause();
  // `go <epoch ms> <rounds>`: open `<path>.<round>` at epoch + round × 100 ms.
  const [, at, rounds] = go.toString().trim().split(' ').map(Number);
  try {
    for (let round = 0; round < (rounds ?? 1); round++) {
      const deadline = (at ?? 0) + round * 100;
      while (Date.now() < deadline); // spin: every child starts at once
      await openAndWrite(`${path}.${round}`);
    }
    say('ok');
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    say(
      `error ${isRunStateError(error) ? error.code : String(error)} ${String(cause?.code)}`,
    );
  }
}

async function openAndWrite(file: string): Promise<void> {
  await using storage = await SqliteStorage.open({
    path: file,
    busyTimeoutMs: Number(ms),
  });
  await storage.writeSavepoint(
    `run-${process.pid}`,
    { timestamp: 1, entries: [['e', new Uint8Array([1])]] },
    { keep: 1 },
  );
}
