/**
 * Child process of the crash test: migrates every run of a SQLite file or
 * a file-storage directory, printing `started` first, until killed.
 *
 * Usage: migrate-child.ts sqlite|file <path>
 */
import { migrateRuns } from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { chain } from './migrate-fixture.js';

const [kind, path] = process.argv.slice(2);
const storage =
  kind === 'sqlite'
    ? await SqliteStorage.open({ path: path! })
    : await FileStorage.open({ directory: path! });
process.stdout.write('started\n');
const report = await migrateRuns(storage, chain);
process.stdout.write(`done ${report.counts.migrated}\n`);
await storage.close();
