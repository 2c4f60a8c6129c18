import { notQuarantinedError, storageError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { BaseStorage } from '../base-storage.js';
import type { PgPool } from './postgres-driver.js';
import {
  checkPostgresOptions,
  createPool,
  type PostgresConfig,
  type PostgresStorageOptions,
} from './postgres-options.js';
import { PostgresQuarantine } from './postgres-quarantine.js';
import { PostgresStatements } from './postgres-statements.js';
import { PostgresLeases } from './postgres-lease.js';
import { PostgresTables } from './postgres-tables.js';
import { listenForSavepoints } from './postgres-notify.js';
import type {
  SavepointSubscriber,
  SavepointSubscription,
} from '../savepoint-notices.js';
import type {
  LeaseInfo,
  LeaseRequest,
  RunLease,
  QuarantinedInfo,
  ReplaceOutcome,
  SavepointInfo,
  StoredSavepoint,
} from '../types.js';

const noop = (): void => undefined;

/**
 * Storage in a Postgres database, through a node-postgres pool.
 *
 * @remarks
 * Each savepoint is written (its states with one binary `COPY`) and
 * superseded ones pruned in one transaction on one checked-out client,
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
export class PostgresStorage extends BaseStorage {
  readonly #pool: PgPool;
  readonly #ownsPool: boolean;
  readonly #config: PostgresConfig;
  readonly #logger: Logger;
  readonly #statements: PostgresStatements;
  readonly #quarantined: PostgresQuarantine;
  readonly #leases: PostgresLeases;
  readonly #tables: PostgresTables;

  /** No I/O: {@link PostgresStorage.open} does the setup. */
  private constructor(pool: PgPool, config: PostgresConfig) {
    super({ name: 'PostgresStorage', readOnly: config.readOnly });
    this.#pool = pool;
    this.#config = config;
    this.#ownsPool = 'connectionString' in config.source;
    this.#logger = config.logger ?? silentLogger;
    this.#statements = new PostgresStatements(pool, config.schema);
    this.#quarantined = new PostgresQuarantine(pool, config.schema);
    this.#leases = new PostgresLeases(pool, config.schema);
    this.#tables = new PostgresTables(
      pool,
      config.schema,
      this.readOnly,
      this.#logger,
    );
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
      await storage.#tables.init();
      return storage;
    } catch (error) {
      if (storage.#ownsPool) await pool.end().catch(noop);
      throw storageError(error, 'opening Postgres storage', {
        schema: config.schema,
      });
    }
  }

  /** {@inheritDoc BaseStorage._isInitialized} */
  protected _isInitialized(runId: string): Promise<boolean> {
    return this.#call(false, (s) => s.isInitialized(runId));
  }

  /** {@inheritDoc BaseStorage._initRun} */
  protected _initRun(runId: string): Promise<void> {
    return this.#call(undefined, (s) => s.initRun(runId, Date.now()));
  }

  /** {@inheritDoc BaseStorage._writeSavepoint} */
  protected _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
    fence?: RunLease,
  ): Promise<void> {
    const fenced =
      fence === undefined ? undefined : this.#leases.writeFence(fence);
    return this.#call(undefined, (s) =>
      s.writeSavepoint(runId, savepoint, keep, Date.now(), fenced),
    );
  }

  /** {@inheritDoc BaseStorage._acquireLease} */
  protected override _acquireLease(
    runId: string,
    request: LeaseRequest,
  ): Promise<RunLease> {
    return this.#leases.acquire(runId, request);
  }

  /** {@inheritDoc BaseStorage._renewLease} */
  protected override _renewLease(
    lease: RunLease,
    ttlMs: number,
  ): Promise<void> {
    return this.#leases.renew(lease, ttlMs);
  }

  /** {@inheritDoc BaseStorage._releaseLease} */
  protected override _releaseLease(lease: RunLease): Promise<void> {
    return this.#leases.release(lease);
  }

  /** {@inheritDoc BaseStorage._listLeases} */
  protected override _listLeases(prefix: string): Promise<LeaseInfo[]> {
    return this.#leases.list(prefix);
  }

  /** {@inheritDoc BaseStorage._subscribeSavepoints} */
  protected override _subscribeSavepoints(
    subscriber: SavepointSubscriber,
  ): Promise<SavepointSubscription> {
    const { schema } = this.#config;
    return listenForSavepoints(this.#pool, schema, subscriber, this.#logger);
  }

  /** {@inheritDoc BaseStorage._readSavepoint} */
  protected _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): Promise<StoredSavepoint | undefined> {
    return this.#call(undefined, (s) => s.readSavepoint(runId, timestamp));
  }

  /** {@inheritDoc BaseStorage._newestTimestamp} */
  protected override _newestTimestamp(
    runId: string,
  ): Promise<number | undefined> {
    return this.#call(undefined, (s) => s.newestTimestamp(runId));
  }

  /** {@inheritDoc BaseStorage._listSavepoints} */
  protected _listSavepoints(runId: string): Promise<number[]> {
    return this.#call([], (s) => s.listSavepoints(runId));
  }

  /** {@inheritDoc BaseStorage._listSavepointInfo} */
  protected override _listSavepointInfo(
    runId: string,
  ): Promise<SavepointInfo[]> {
    return this.#call([], (s) => s.listSavepointInfo(runId));
  }

  /** {@inheritDoc BaseStorage._replaceSavepoint} */
  protected override _replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    expectVersion: number,
  ): Promise<ReplaceOutcome> {
    return this.#call('missing', (s) =>
      s.replaceSavepoint(runId, savepoint, expectVersion),
    );
  }

  /** {@inheritDoc BaseStorage._prune} */
  protected _prune(runId: string, keep: number): Promise<number> {
    return this.#call(0, (s) => s.prune(runId, keep));
  }

  /** {@inheritDoc BaseStorage._listQuarantined} */
  protected override async _listQuarantined(
    runId: string,
  ): Promise<QuarantinedInfo[]> {
    return (await this.#tables.check()) ? this.#quarantined.list(runId) : [];
  }

  /** {@inheritDoc BaseStorage._restoreSavepoint} */
  protected override async _restoreSavepoint(
    runId: string,
    timestamp: number,
  ): Promise<void> {
    if (!(await this.#tables.check())) {
      throw notQuarantinedError(runId, timestamp);
    }
    await this.#quarantined.restore(runId, timestamp);
  }

  /** {@inheritDoc BaseStorage._quarantineSavepoint} */
  protected _quarantineSavepoint(
    runId: string,
    timestamp: number,
  ): Promise<void> {
    return this.#call(undefined, (s) =>
      s.quarantineSavepoint(runId, timestamp),
    );
  }

  /** {@inheritDoc BaseStorage._deleteRun} */
  protected _deleteRun(runId: string): Promise<boolean> {
    return this.#call(false, (s) => s.deleteRun(runId));
  }

  /** {@inheritDoc BaseStorage._listRuns} */
  protected _listRuns(): Promise<string[]> {
    return this.#call([], (s) => s.listRuns());
  }

  /**
   * Ends the pool when it was created from `connectionString`; a `pool`
   * passed in stays open (the caller ends it).
   */
  protected override async _close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }

  /** Run `body`, or return `empty` while a read-only schema is bare. */
  async #call<T>(
    empty: T,
    body: (s: PostgresStatements) => Promise<T>,
  ): Promise<T> {
    return (await this.#tables.check()) ? body(this.#statements) : empty;
  }
}
