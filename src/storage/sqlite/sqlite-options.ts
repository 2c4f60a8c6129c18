/**
 * Options of the SQLite backend, and how a connection is opened and tuned.
 *
 * @packageDocumentation
 */
import { storageError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { show } from '../../validate.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/**
 * Options of {@link SqliteStorage.open}. Give exactly one of `path` and
 * `database`.
 */
export interface SqliteStorageOptions {
  /**
   * The database file to open (created when missing unless `readOnly`), or
   * `':memory:'` for a private in-memory database. runstate opens the
   * connection (loading better-sqlite3 on demand) and closes it in
   * `close()`.
   */
  readonly path?: string;
  /**
   * A better-sqlite3 connection owned by the caller. runstate never closes
   * it and never changes its journal mode; `synchronous` and
   * `busyTimeoutMs` are applied to it only when given explicitly.
   */
  readonly database?: SqliteDatabase;
  /**
   * Refuse every write with `E_READ_ONLY`. With `path`, the file is opened
   * with `{ readonly: true, fileMustExist: true }`. A read-only `database`
   * makes the storage read-only too.
   *
   * @defaultValue false
   */
  readonly readOnly?: boolean;
  /**
   * `PRAGMA synchronous`. `'full'` syncs the WAL on every commit: a
   * savepoint that was acknowledged survives a power loss. `'normal'` syncs
   * only at checkpoints: faster, still never corrupt or partial, but the
   * last savepoints before a power loss (not a process crash) may be lost.
   *
   * @defaultValue 'full'
   */
  readonly synchronous?: 'full' | 'normal';
  /**
   * `PRAGMA busy_timeout`: how long a statement waits for another
   * connection's lock before failing with `SQLITE_BUSY`. Opening waits as
   * long in all (switching to WAL and creating the tables are retried).
   *
   * @defaultValue 5000
   */
  readonly busyTimeoutMs?: number;
  /** Receives debug messages about opening and schema upgrades. */
  readonly logger?: Logger;
}

/** The validated options, with defaults filled in. @internal */
export interface SqliteConfig {
  readonly source:
    { readonly path: string } | { readonly database: SqliteDatabase };
  readonly readOnly: boolean;
  readonly synchronous: 'full' | 'normal' | undefined;
  readonly busyTimeoutMs: number | undefined;
  readonly logger: Logger | undefined;
}

function checkSource(options: SqliteStorageOptions): SqliteConfig['source'] {
  const { path, database } = options;
  if ((path === undefined) === (database === undefined)) {
    throw new TypeError(
      'SqliteStorage.open() needs exactly one of options.path (a file name or ":memory:") and options.database (a better-sqlite3 Database)',
    );
  }
  if (database !== undefined) {
    if (typeof (database as Partial<SqliteDatabase>).prepare !== 'function') {
      throw new TypeError(
        `options.database must be a better-sqlite3 Database, got ${show(database)}`,
      );
    }
    return { database };
  }
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(
      `options.path must be a non-empty file name or ":memory:", got ${show(path)}`,
    );
  }
  return { path };
}

/**
 * Validate {@link SqliteStorageOptions}.
 *
 * @throws `TypeError` or `RangeError` naming the option and the fix.
 * @internal
 */
export function checkSqliteOptions(options: unknown): SqliteConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `SqliteStorage.open() options must be an object like { path: 'state.db' }, got ${show(options)}`,
    );
  }
  const o = options as SqliteStorageOptions;
  const source = checkSource(o);
  if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean') {
    throw new TypeError(
      `options.readOnly must be a boolean, got ${show(o.readOnly)}`,
    );
  }
  if (
    o.synchronous !== undefined &&
    o.synchronous !== 'full' &&
    o.synchronous !== 'normal'
  ) {
    throw new RangeError(
      `options.synchronous must be 'full' or 'normal', got ${show(o.synchronous)}`,
    );
  }
  const timeout = o.busyTimeoutMs;
  if (
    timeout !== undefined &&
    (!Number.isSafeInteger(timeout) || timeout < 0)
  ) {
    throw new RangeError(
      `options.busyTimeoutMs must be a non-negative integer of milliseconds, got ${show(timeout)}`,
    );
  }
  const owned = 'path' in source;
  return {
    source,
    readOnly: o.readOnly ?? (!owned && source.database.readonly),
    synchronous: o.synchronous ?? (owned ? 'full' : undefined),
    busyTimeoutMs: timeout ?? (owned ? 5000 : undefined),
    logger: o.logger,
  };
}

/**
 * Open a connection to `path`, loading better-sqlite3 only now.
 *
 * @throws `E_STORAGE` when the driver is missing or the file cannot be
 * opened (a read-only open of a missing file included).
 * @internal
 */
export async function openDatabase(
  path: string,
  readOnly: boolean,
): Promise<SqliteDatabase> {
  const driver = await import('better-sqlite3').then(
    (module) => module.default,
    (error: unknown) => {
      throw storageError(
        error,
        'loading better-sqlite3 (install it: npm install better-sqlite3)',
      );
    },
  );
  try {
    return new driver(
      path,
      readOnly ? { readonly: true, fileMustExist: true } : {},
    );
  } catch (error) {
    throw storageError(error, `opening ${show(path)}`, { path });
  }
}

/**
 * Apply the connection pragmas: WAL for a writable file database opened
 * from a path, then `synchronous` when configured. (`busy_timeout` is set
 * by `retryWhileBusy`, around this.)
 *
 * @internal
 */
export function tune(db: SqliteDatabase, config: SqliteConfig): void {
  if ('path' in config.source && !config.readOnly && !db.memory) {
    db.pragma('journal_mode = WAL');
  }
  if (config.synchronous !== undefined && !config.readOnly) {
    db.pragma(`synchronous = ${config.synchronous.toUpperCase()}`);
  }
}
