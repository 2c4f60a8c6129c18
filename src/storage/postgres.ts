/**
 * The Postgres storage backend, on node-postgres (`pg`). Published as the
 * `runstate/postgres` subpath: importing it does not load `pg` until a
 * storage is opened from a connection string.
 *
 * @packageDocumentation
 */
import { storageError } from '../errors.js';
import { checkSchemaVersion } from './schema-version.js';
import { assertOpen, guardCall } from './guard.js';
import { silentLogger, type Logger } from '../logger.js';
import { checkPositiveInteger, checkTimestamp } from '../validate.js';
import { checkSavepoint, checkWriteOptions } from './check-savepoint.js';
import type { PgPool } from './postgres-driver.js';
import {
  checkPostgresOptions,
  createPool,
  type PostgresConfig,
  type PostgresStorageOptions,
} from './postgres-options.js';
import {
  SCHEMA_VERSION,
  migrate,
  readSchemaVersion,
} from './postgres-schema.js';
import { OperationQueue, attempt } from './postgres-queue.js';
import { PostgresStatements } from './postgres-statements.js';
import type {
  StorageAdapter,
  StoredSavepoint,
  WriteSavepointOptions,
} from './types.js';

export type {
  PgPool,
  PgPoolClient,
  PgQueryable,
  PgQueryResult,
} from './postgres-driver.js';
export type { PostgresStorageOptions } from './postgres-options.js';

type Details = Readonly<Record<string, unknown>>;
const noop = (): void => undefined;

/**
 * Storage in a Postgres database, through a node-postgres pool.
 *
 * @remarks
 * Each savepoint is written (its states with one `INSERT … SELECT unnest(…)`)
 * and superseded ones pruned in one transaction on one checked-out client,
 * which first locks the run's row: writers of the same run, in any process,
 * take turns, and a crash or lost connection leaves either the old
 * savepoints or the old ones plus the complete new one. Writes issued by one
 * instance for one run are applied in call order. The tables (all prefixed
 * `runstate_`, in `options.schema`) are documented in
 * `docs/storage-postgres.md`.
 *
 * Ownership: a pool created from `connectionString` belongs to the storage
 * and is ended by {@link PostgresStorage.close}. A `pool` passed in belongs
 * to the caller, who ends it (after closing the storage); the storage only
 * checks clients out and releases them.
 *
 * @example
 * ```ts
 * import { PostgresStorage } from 'runstate/postgres';
 *
 * await using storage = await PostgresStorage.open({
 *   connectionString: 'postgres://app@db:5432/app',
 * });
 * await storage.writeSavepoint(
 *   'run-1',
 *   { timestamp: 60_000, entries: [['counter', new Uint8Array([1])]] },
 *   { keep: 2 },
 * );
 * ```
 *
 * @see {@link StorageAdapter} for the meaning of every method.
 */
export class PostgresStorage implements StorageAdapter {
  /** Whether this instance refuses writes (`E_READ_ONLY`). */
  readonly readOnly: boolean;
  readonly #pool: PgPool;
  readonly #ownsPool: boolean;
  readonly #config: PostgresConfig;
  readonly #logger: Logger;
  readonly #statements: PostgresStatements;
  /** Whether the tables exist (false only while read-only on a bare schema). */
  #ready = false;
  readonly #queue = new OperationQueue();
  #closing: Promise<void> | undefined;

  /** No I/O: {@link PostgresStorage.open} does the setup. */
  private constructor(pool: PgPool, config: PostgresConfig) {
    this.#pool = pool;
    this.#config = config;
    this.#ownsPool = 'connectionString' in config.source;
    this.readOnly = config.readOnly;
    this.#logger = config.logger ?? silentLogger;
    this.#statements = new PostgresStatements(pool, config.schema);
  }

  /**
   * Open (creating when needed) the runstate tables in a Postgres schema.
   *
   * @remarks
   * A writable open creates the schema and tables, or upgrades them, in one
   * transaction holding an advisory lock, so processes starting at once are
   * safe. A read-only open never writes: on a schema without runstate
   * tables it still succeeds, and every read resolves empty or `undefined`.
   *
   * @param options - see {@link PostgresStorageOptions}
   * @throws `TypeError`/`RangeError` for bad options; `E_SCHEMA_VERSION` when
   * the schema is newer than this runstate (or older, on a read-only open);
   * `E_STORAGE` when the driver fails, with its error (SQLSTATE `code`) as
   * `cause`.
   * @example
   * ```ts
   * import pg from 'pg';
   *
   * const pool = new pg.Pool({ connectionString: process.env.PG_URL });
   * pool.on('error', (error) => log.warn(error));
   * const storage = await PostgresStorage.open({ pool, schema: 'jobs' });
   * // …
   * await storage.close();
   * await pool.end(); // the pool is yours
   * ```
   */
  static async open(options: PostgresStorageOptions): Promise<PostgresStorage> {
    const config = checkPostgresOptions(options);
    const { source } = config;
    const pool =
      'pool' in source
        ? source.pool
        : await createPool(
            source.connectionString,
            config.readOnly,
            config.logger ?? silentLogger,
          );
    const storage = new PostgresStorage(pool, config);
    try {
      await storage.#init();
      return storage;
    } catch (error) {
      if (storage.#ownsPool) await pool.end().catch(noop);
      throw storageError(error, 'opening Postgres storage', {
        schema: config.schema,
      });
    }
  }

  /** {@inheritDoc StorageAdapter.isInitialized} */
  isInitialized(runId: string): Promise<boolean> {
    return attempt(() => {
      this.#guard(runId);
      return this.#read('isInitialized', { runId }, false, (s) =>
        s.isInitialized(runId),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.initRun} */
  initRun(runId: string): Promise<void> {
    return attempt(() => {
      this.#guard(runId, 'initRun');
      return this.#write(runId, 'initRun', { runId }, (s) =>
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
    return attempt(() => {
      this.#guard(runId, 'writeSavepoint');
      const checked = checkSavepoint('savepoint', savepoint);
      const keep = checkWriteOptions('options', options);
      const details = { runId, timestamp: checked.timestamp };
      return this.#write(runId, 'writeSavepoint', details, (s) =>
        s.writeSavepoint(runId, checked, keep, Date.now()),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.readSavepoint} */
  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    return attempt(() => {
      this.#guard(runId);
      if (timestamp !== undefined) checkTimestamp('timestamp', timestamp);
      return this.#read('readSavepoint', { runId, timestamp }, undefined, (s) =>
        s.readSavepoint(runId, timestamp),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.newestTimestamp} */
  newestTimestamp(runId: string): Promise<number | undefined> {
    return attempt(() => {
      this.#guard(runId);
      return this.#read('newestTimestamp', { runId }, undefined, (s) =>
        s.newestTimestamp(runId),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.listSavepoints} */
  listSavepoints(runId: string): Promise<number[]> {
    return attempt(() => {
      this.#guard(runId);
      return this.#read('listSavepoints', { runId }, [], (s) =>
        s.listSavepoints(runId),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.prune} */
  prune(runId: string, keep: number): Promise<number> {
    return attempt(() => {
      this.#guard(runId, 'prune');
      checkPositiveInteger('keep', keep);
      return this.#write(runId, 'prune', { runId, keep }, (s) =>
        s.prune(runId, keep),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.quarantineSavepoint} */
  quarantineSavepoint(runId: string, timestamp: number): Promise<void> {
    return attempt(() => {
      this.#guard(runId, 'quarantineSavepoint');
      checkTimestamp('timestamp', timestamp);
      const details = { runId, timestamp };
      return this.#write(runId, 'quarantineSavepoint', details, (s) =>
        s.quarantineSavepoint(runId, timestamp),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.deleteRun} */
  deleteRun(runId: string): Promise<boolean> {
    return attempt(() => {
      this.#guard(runId, 'deleteRun');
      return this.#write(runId, 'deleteRun', { runId }, (s) =>
        s.deleteRun(runId),
      );
    });
  }

  /** {@inheritDoc StorageAdapter.listRuns} */
  listRuns(): Promise<string[]> {
    return attempt(() => {
      this.#assertOpen();
      return this.#read('listRuns', {}, [], (s) => s.listRuns());
    });
  }

  /**
   * Release the storage: waits for every operation in flight, then ends the
   * pool when it was created from `connectionString`; a `pool` passed in
   * stays open (the caller ends it). Idempotent: every call returns the same
   * promise. Afterwards every method rejects with `E_CLOSED`.
   *
   * @throws `E_STORAGE` when the driver fails to end the pool.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue.drain();
      if (!this.#ownsPool) return;
      try {
        await this.#pool.end();
      } catch (error) {
        throw storageError(error, 'close');
      }
    })();
    return this.#closing;
  }

  /** Same as {@link PostgresStorage.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #init(): Promise<void> {
    const { schema } = this.#config;
    if (this.readOnly) {
      await this.#checkReady();
      return;
    }
    const from = await migrate(this.#pool, schema);
    if (from !== SCHEMA_VERSION) {
      this.#logger.debug(
        { schema, from, to: SCHEMA_VERSION },
        'runstate Postgres schema created or upgraded',
      );
    }
    this.#ready = true;
  }

  /** Whether the tables exist; re-checked while a read-only schema is bare. */
  async #checkReady(): Promise<boolean> {
    if (this.#ready) return true;
    const version = await readSchemaVersion(this.#pool, this.#config.schema);
    checkSchemaVersion(version, SCHEMA_VERSION, false);
    this.#ready = version !== 0;
    return this.#ready;
  }

  #assertOpen(): void {
    assertOpen('PostgresStorage', this.#closing !== undefined);
  }

  /** Check open, writable when `writeOperation` is given, and `runId`. */
  #guard(runId: string, writeOperation?: string): void {
    const state = {
      closed: this.#closing !== undefined,
      readOnly: this.readOnly,
    };
    guardCall('PostgresStorage', state, runId, writeOperation);
  }

  /** Run `body` now (tracked for `close()`), wrapping driver errors. */
  #read<T>(
    operation: string,
    details: Details,
    empty: T,
    body: (s: PostgresStatements) => Promise<T>,
  ): Promise<T> {
    return this.#queue.track(this.#call(operation, details, empty, body));
  }

  /** Run `body` after the run's previous write settled (call order). */
  #write<T>(
    runId: string,
    operation: string,
    details: Details,
    body: (s: PostgresStatements) => Promise<T>,
  ): Promise<T> {
    return this.#queue.serial(runId, () =>
      this.#call(operation, details, undefined as T, body),
    );
  }

  async #call<T>(
    operation: string,
    details: Details,
    empty: T,
    body: (s: PostgresStatements) => Promise<T>,
  ): Promise<T> {
    try {
      return (await this.#checkReady()) ? await body(this.#statements) : empty;
    } catch (error) {
      throw storageError(error, operation, details);
    }
  }
}
