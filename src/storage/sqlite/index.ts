/**
 * The SQLite storage backend, on better-sqlite3. Published as the
 * `runstate/sqlite` subpath: importing it does not load the native addon
 * until a storage is opened from a path.
 *
 * @packageDocumentation
 */

export { SqliteStorage } from './sqlite-storage.js';
export type {
  SqliteDatabase,
  SqliteStatement,
  SqliteTransaction,
} from './sqlite-driver.js';
export type { SqliteStorageOptions } from './sqlite-options.js';
