/**
 * Child process of `file-lock.test.ts`. Not a test file.
 *
 * Usage: file-lock-child.ts <directory> <run id> <hold|try> <timestamp>
 *
 * Writes one savepoint at `<timestamp>` to the run through a writable
 * FileStorage, then:
 * - `hold`: prints `held <pid>` and waits (holding the run's lock) until it
 *   is killed;
 * - `try`: prints `ok` and exits (closing the storage).
 * A write that fails prints `error <code>` and exits 0.
 */
import { writeSync } from 'node:fs';
import { isRunStateError } from 'runstate';
import { FileStorage } from 'runstate/file';

const [directory, runId, mode, timestamp] = process.argv.slice(2);
if (directory === undefined || runId === undefined || timestamp === undefined) {
  throw new Error(
    'usage: file-lock-child.ts <directory> <run id> <hold|try> <timestamp>',
  );
}
const say = (line: string): void => void writeSync(1, `${line}\n`);

const storage = await FileStorage.open({ directory });
try {
  await storage.writeSavepoint(
    runId,
    { timestamp: Number(timestamp), entries: [['child', Buffer.from('x')]] },
    { keep: 5 },
  );
} catch (error) {
  say(`error ${isRunStateError(error) ? error.code : String(error)}`);
  await storage.close();
  process.exit(0);
}
if (mode === 'hold') {
  say(`held ${process.pid}`);
  setInterval(() => undefined, 60_000);
} else {
  await storage.close();
  say('ok');
}
