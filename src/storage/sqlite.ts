/**
 * The SQLite storage backend, on better-sqlite3. Published as the
 * `runstate/sqlite` subpath: importing it does not load the native addon
 * until a storage is opened from a path.
 *
 * @packageDocumentation
 */
import { storageError } from '../errors.js';
import { checkSchemaVersion } from './schema-version.js';
import { assertOpen, guardCall } from './guard.js';
import { silentLogger, type Logger } from '../logger.js';
import { checkPositiveInteger, checkTimestamp } from '../validate.js';
import {
  checkSavepoint,
  checkWriteOptions,
  settle,
} from './check-savepoint.js';
import type { SqliteDatabase } from './sqlite-driver.js';
import {
  checkSqliteOptions,
  openDatabase,
  tune,
  type SqliteConfig,
  type SqliteStorageOptions,
} from './sqlite-options.js';
import { SCHEMA_VERSION, migrate, readSchemaVersion } from './sqlite-schema.js';
import { SqliteStatements } from './sqlite-statements.js';
import type {
  StorageAdapter,
  StoredSavepoint,
  WriteSavepointOptions,
} from './types.js';

export type {
  SqliteDatabase,
  SqliteStatement,
  SqliteTransaction,
} from './sqlite-driver.js';
export type { SqliteStorageOptions } from './sqlite-options.js';

/**
 * Storage in a SQLite database, through better-sqlite3.
 *
 * @remarks
 * Each savepoint is written (and superseded ones pruned) in one `BEGIN
 * IMMEDIATE` transaction, so a crash leaves either the old savepoints or the
 * old ones plus the complete new one. File databases opened from a `path`
 * use WAL with `synchronous = FULL` by default. The tables (all prefixed
 * `runstate_`) and their versioning are documented in
 * `docs/storage-sqlite.md`.
 *
 * Ownership: a connection opened from `path` belongs to the storage and is
 * closed by {@link SqliteStorage.close}. A `database` passed in belongs to
 * the caller, who closes it (after closing the storage); the storage never
 * closes it.
 *
 * @example
 * ```ts
 * import { SqliteStorage } from 'runstate/sqlite';
 *
 * await using storage = await SqliteStorage.open({ path: 'state.db' });
 * await storage.writeSavepoint(
 *   'run-1',
 *   { timestamp: 60_000, entries: [['counter', new Uint8Array([1])]] },
 *   { keep: 2 },
 * );
 * ```
 *
 * @see {@link StorageAdapter} for the meaning of every method.
 */
export class SqliteStorage implements StorageAdapter {
  /** Whether this instance refuses writes (`E_READ_ONLY`). */
  readonly readOnly: boolean;
  readonly #db: SqliteDatabase;
  readonly #ownsDatabase: boolean;
  readonly #logger: Logger;
  #statements: SqliteStatements | undefined;
  #closing: Promise<void> | undefined;

  /** No I/O: {@link SqliteStorage.open} does the setup. */
  private constructor(db: SqliteDatabase, config: SqliteConfig) {
    this.#db = db;
    this.#ownsDatabase = 'path' in config.source;
    this.readOnly = config.readOnly;
    this.#logger = config.logger ?? silentLogger;
  }

  /**
   * Open (creating when needed) the runstate tables in a SQLite database.
   *
   * @remarks
   * A writable open creates or upgrades the schema in one transaction. A
   * read-only open never writes: on a database without runstate tables it
   * still succeeds, and every read resolves empty or `undefined`.
   *
   * @param options - see {@link SqliteStorageOptions}
   * @throws `TypeError`/`RangeError` for bad options; `E_SCHEMA_VERSION` when
   * the database's schema is newer than this runstate (or older, on a
   * read-only open); `E_STORAGE` when the driver fails, with its error
   * (`SQLITE_*` code) as `cause`.
   * @example
   * ```ts
   * const storage = await SqliteStorage.open({
   *   path: 'state.db',
   *   synchronous: 'normal',
   *   busyTimeoutMs: 10_000,
   * });
   * ```
   */
  static async open(options: SqliteStorageOptions): Promise<SqliteStorage> {
    const config = checkSqliteOptions(options);
    const { source } = config;
    const db =
      'path' in source
        ? await openDatabase(source.path, config.readOnly)
        : source.database;
    const storage = new SqliteStorage(db, config);
    try {
      storage.#init(config);
      return storage;
    } catch (error) {
      if ('path' in source) db.close();
      throw storageError(error, 'opening SQLite storage');
    }
  }

  /** {@inheritDoc StorageAdapter.isInitialized} */
  isInitialized(runId: string): Promise<boolean> {
    return settle(() => {
      this.#guard(runId);
      return this.#query('isInitialized', { runId }, false, (s) =>
        s.isInitialized(runId),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.initRun} */
  initRun(runId: string): Promise<void> {
    return settle(() => {
      this.#guard(runId, 'initRun');
      this.#query('initRun', { runId }, undefined, (s) =>
        s.initRun(runId, Date.now()),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.writeSavepoint} */
  writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void> {
    return settle(() => {
      this.#guard(runId, 'writeSavepoint');
      const checked = checkSavepoint('savepoint', savepoint);
      const keep = checkWriteOptions('options', options);
      const details = { runId, timestamp: checked.timestamp };
      this.#query('writeSavepoint', details, undefined, (s) =>
        s.writeSavepoint(runId, checked, keep),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.readSavepoint} */
  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    return settle(() => {
      this.#guard(runId);
      if (timestamp !== undefined) checkTimestamp('timestamp', timestamp);
      return this.#query(
        'readSavepoint',
        { runId, timestamp },
        undefined,
        (s) => s.readSavepoint(runId, timestamp),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.newestTimestamp} */
  newestTimestamp(runId: string): Promise<number | undefined> {
    return settle(() => {
      this.#guard(runId);
      return this.#query('newestTimestamp', { runId }, undefined, (s) =>
        s.newestTimestamp(runId),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.listSavepoints} */
  listSavepoints(runId: string): Promise<number[]> {
    return settle(() => {
      this.#guard(runId);
      return this.#query('listSavepoints', { runId }, [], (s) =>
        s.listSavepoints(runId),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.prune} */
  prune(runId: string, keep: number): Promise<number> {
    return settle(() => {
      this.#guard(runId, 'prune');
      checkPositiveInteger('keep', keep);
      return this.#query('prune', { runId, keep }, 0, (s) =>
        s.prune(runId, keep),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.quarantineSavepoint} */
  quarantineSavepoint(runId: string, timestamp: number): Promise<void> {
    return settle(() => {
      this.#guard(runId, 'quarantineSavepoint');
      checkTimestamp('timestamp', timestamp);
      const details = { runId, timestamp };
      this.#query('quarantineSavepoint', details, undefined, (s) =>
        s.quarantineSavepoint(runId, timestamp),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.deleteRun} */
  deleteRun(runId: string): Promise<boolean> {
    return settle(() => {
      this.#guard(runId, 'deleteRun');
      return this.#query('deleteRun', { runId }, false, (s) =>
        s.deleteRun(runId),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.listRuns} */
  listRuns(): Promise<string[]> {
    return settle(() => {
      this.#assertOpen();
      return this.#query('listRuns', {}, [], (s) => s.listRuns());
    });
  }

  /**
   * Release the storage: closes the connection when it was opened from a
   * `path`; a `database` passed in stays open (the caller closes it).
   * Idempotent: every call returns the same promise. Afterwards every method
   * rejects with `E_CLOSED`.
   *
   * @throws `E_STORAGE` when the driver fails to close the connection.
   */
  close(): Promise<void> {
    this.#closing ??= settle(() => {
      this.#statements = undefined;
      try {
        if (this.#ownsDatabase) this.#db.close();
      } catch (error) {
        throw storageError(error, 'close');
      }
    });
    return this.#closing;
  }

  /** Same as {@link SqliteStorage.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #init(config: SqliteConfig): void {
    tune(this.#db, config);
    // Take the write lock only when the schema must be created or upgraded.
    if (!this.readOnly && readSchemaVersion(this.#db) !== SCHEMA_VERSION) {
      const from = migrate(this.#db);
      this.#logger.debug(
        { from, to: SCHEMA_VERSION },
        'runstate SQLite schema created or upgraded',
      );
    }
    this.#prepare();
  }

  /** Statements, or `undefined` while a read-only database has no schema. */
  #prepare(): SqliteStatements | undefined {
    if (this.#statements !== undefined) return this.#statements;
    const version = readSchemaVersion(this.#db);
    checkSchemaVersion(version, SCHEMA_VERSION, false);
    this.#statements =
      version === 0 ? undefined : new SqliteStatements(this.#db);
    return this.#statements;
  }

  #assertOpen(): void {
    assertOpen('SqliteStorage', this.#closing !== undefined);
  }

  /** Check open, writable when `writeOperation` is given, and `runId`. */
  #guard(runId: string, writeOperation?: string): void {
    const state = {
      closed: this.#closing !== undefined,
      readOnly: this.readOnly,
    };
    guardCall('SqliteStorage', state, runId, writeOperation);
  }

  /** Run `body`, or return `empty` while a read-only database has no schema. */
  #query<T>(
    operation: string,
    details: Readonly<Record<string, unknown>>,
    empty: T,
    body: (s: SqliteStatements) => T,
  ): T {
    try {
      const statements = this.#prepare();
      return statements === undefined ? empty : body(statements);
    } catch (error) {
      throw storageError(error, operation, details);
    }
  }
}
