/**
 * Child process of the crash test: migrates every run of a target, printing
 * `started` first and `migrated N` after each run, until killed.
 *
 * Usage: migrate-child.ts sqlite|postgres|redis|file <target>
 * (a SQLite path, a Postgres schema, a Redis key prefix, a directory).
 */
import { migrateRuns } from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import { backendNamed } from '../lease/process/lease-backends.js';
import { chain } from './migrate-fixture.js';

const [kind, target] = process.argv.slice(2);
const storage =
  kind === 'file'
    ? await FileStorage.open({ directory: target! })
    : await backendNamed(kind!).open(target!);
process.stdout.write('started\n');
const report = await migrateRuns(storage, chain, {
  onProgress: ({ done }) => void process.stdout.write(`migrated ${done}\n`),
});
process.stdout.write(`done ${report.counts.migrated}\n`);
await storage.close();
