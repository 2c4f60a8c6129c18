/**
 * Child process of `file-lock.test.ts`. Not a test file.
 *
 * Usage: file-lock-child.ts <directory> <run id> <hold|try> <timestamp>
 *
 * Writes one savepoint at `<timestamp>` to the run through a writable
 * FileStorage, then:
 * - `hold`: prints `held <pid>`, then keeps writing savepoints of 100 × 10 KB
 *   at the next timestamps (keep 2), printing `end <timestamp>` after each,
 *   holding the run's lock, until it is killed;
 * - `try`: prints `ok` and exits (closing the storage).
 * A first write that fails prints `error <code>` and exits 0. Lines are
 * written synchronously, so what was printed before a SIGKILL is complete.
 */
import { writeSync } from 'node:fs';
import { isRunStateError } from 'runstate';
import { FileStorage } from 'runstate/file';

const [directory, runId, mode, first] = process.argv.slice(2);
if (directory === undefined || runId === undefined || first === undefined) {
  throw new Error(
    'usage: file-lock-child.ts <directory> <run id> <hold|try> <timestamp>',
  );
}
const say = (line: string): void => void writeSync(1, `${line}\n`);

/** 100 entities of 10 KB whose bytes depend on the timestamp. */
const bigSavepoint = (timestamp: number) => ({
  timestamp,
  entries: Array.from(
    { length: 100 },
    (_, i) => [`e${i}`, Buffer.alloc(10_000, (timestamp + i) % 256)] as const,
  ),
});

const storage = await FileStorage.open({ directory });
try {
  await storage.writeSavepoint(runId, bigSavepoint(Number(first)), {
    keep: 2,
  });
} catch (error) {
  say(`error ${isRunStateError(error) ? error.code : String(error)}`);
  await storage.close();
  process.exit(0);
}
if (mode === 'hold') {
  say(`held ${process.pid}`);
  for (let ts = Number(first) + 1; ; ts++) {
    await storage.writeSavepoint(runId, bigSavepoint(ts), { keep: 2 });
    say(`end ${ts}`);
  }
} else {
  await storage.close();
  say('ok');
}
