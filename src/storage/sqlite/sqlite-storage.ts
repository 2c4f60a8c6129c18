import { notQuarantinedError, storageError } from '../../errors.js';
import { checkSchemaVersion } from '../schema-version.js';
import { silentLogger, type Logger } from '../../logger.js';
import { BaseStorage } from '../base-storage.js';
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
import { retryWhileBusy } from './sqlite-busy.js';
import type {
  QuarantinedInfo,
  ReplaceOutcome,
  SavepointInfo,
  StoredSavepoint,
} from '../types.js';

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
export class SqliteStorage extends BaseStorage {
  readonly #db: SqliteDatabase;
  readonly #ownsDatabase: boolean;
  readonly #logger: Logger;
  #statements: SqliteStatements | undefined;

  /** No I/O: {@link SqliteStorage.open} does the setup. */
  private constructor(db: SqliteDatabase, config: SqliteConfig) {
    super({
      name: 'SqliteStorage',
      readOnly: config.readOnly,
      serialWrites: false,
    });
    this.#db = db;
    this.#ownsDatabase = 'path' in config.source;
    this.#logger = config.logger ?? silentLogger;
  }

  /**
   * Open (creating when needed) the runstate tables in a SQLite database.
   *
   * @remarks
   * A writable open creates or upgrades the schema in one transaction. While
   * another connection holds a lock (another process opening the same new
   * file, or writing), opening waits and retries for up to `busyTimeoutMs`
   * (with a caller's `database` and no `busyTimeoutMs`: its own
   * `busy_timeout`) before failing with `SQLITE_BUSY`. A read-only open
   * never writes: on a database without runstate tables it
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
      const budget =
        config.busyTimeoutMs ??
        Number(db.pragma('busy_timeout', { simple: true }));
      await retryWhileBusy(db, budget, () => storage.#init(config));
      return storage;
    } catch (error) {
      if ('path' in source) db.close();
      throw storageError(error, 'opening SQLite storage');
    }
  }

  /** {@inheritDoc BaseStorage._isInitialized} */
  protected _isInitialized(runId: string): boolean {
    return this.#query(false, (s) => s.isInitialized(runId));
  }

  /** {@inheritDoc BaseStorage._initRun} */
  protected _initRun(runId: string): void {
    this.#query(undefined, (s) => s.initRun(runId, Date.now()));
  }

  /** {@inheritDoc BaseStorage._writeSavepoint} */
  protected _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
  ): void {
    this.#query(undefined, (s) => s.writeSavepoint(runId, savepoint, keep));
  }

  /** {@inheritDoc BaseStorage._readSavepoint} */
  protected _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): StoredSavepoint | undefined {
    return this.#query(undefined, (s) => s.readSavepoint(runId, timestamp));
  }

  /** {@inheritDoc BaseStorage._newestTimestamp} */
  protected override _newestTimestamp(
    runId: string,
  ): Promise<number | undefined> {
    return Promise.resolve(
      this.#query(undefined, (s) => s.newestTimestamp(runId)),
    );
  }

  /** {@inheritDoc BaseStorage._listSavepoints} */
  protected _listSavepoints(runId: string): number[] {
    return this.#query([], (s) => s.listSavepoints(runId));
  }

  /** {@inheritDoc BaseStorage._listSavepointInfo} */
  protected override _listSavepointInfo(
    runId: string,
  ): Promise<SavepointInfo[]> {
    return Promise.resolve(this.#query([], (s) => s.listSavepointInfo(runId)));
  }

  /** {@inheritDoc BaseStorage._replaceSavepoint} */
  protected override _replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    expectVersion: number,
  ): ReplaceOutcome {
    return this.#query('missing', (s) =>
      s.replaceSavepoint(runId, savepoint, expectVersion),
    );
  }
  /** {@inheritDoc BaseStorage._prune} */
  protected _prune(runId: string, keep: number): number {
    return this.#query(0, (s) => s.prune(runId, keep));
  }

  /** {@inheritDoc BaseStorage._quarantineSavepoint} */
  protected _quarantineSavepoint(runId: string, timestamp: number): void {
    this.#query(undefined, (s) => s.quarantineSavepoint(runId, timestamp));
  }

  /** {@inheritDoc BaseStorage._listQuarantined} */
  protected override _listQuarantined(runId: string): QuarantinedInfo[] {
    return this.#query([], (s) => s.quarantined.list(runId));
  }

  /** {@inheritDoc BaseStorage._restoreSavepoint} */
  protected override _restoreSavepoint(runId: string, timestamp: number) {
    const restored = this.#query(false, (s) => {
      s.quarantined.restore(runId, timestamp);
      return true;
    });
    if (!restored) throw notQuarantinedError(runId, timestamp);
  }

  /** {@inheritDoc BaseStorage._deleteRun} */
  protected _deleteRun(runId: string): boolean {
    return this.#query(false, (s) => s.deleteRun(runId));
  }

  /** {@inheritDoc BaseStorage._listRuns} */
  protected _listRuns(): string[] {
    return this.#query([], (s) => s.listRuns());
  }

  /**
   * Closes the connection when it was opened from a `path`; a `database`
   * passed in stays open (the caller closes it).
   */
  protected override _close(): void {
    this.#statements = undefined;
    if (this.#ownsDatabase) this.#db.close();
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

  /** Run `body`, or return `empty` while a read-only database has no schema. */
  #query<T>(empty: T, body: (s: SqliteStatements) => T): T {
    const statements = this.#prepare();
    return statements === undefined ? empty : body(statements);
  }
}
