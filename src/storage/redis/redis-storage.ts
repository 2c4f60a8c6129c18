import { silentLogger, type Logger } from '../../logger.js';
import { BaseStorage } from '../base-storage.js';
import { RedisConnection, openClient } from './redis-connection.js';
import { runKeys, type RunKeys } from './redis-keys.js';
import {
  checkRedisOptions,
  type OwnedRedisClient,
  type RedisClientLike,
  type RedisConfig,
  type RedisStorageOptions,
} from './redis-options.js';
import {
  deleteRun,
  initRun,
  isInitialized,
  listRuns,
  listSavepoints,
  newestTimestamp,
  prune,
  quarantine,
} from './redis-run.js';
import { readSavepoint } from './redis-savepoint.js';
import { writeSavepoint } from './redis-write.js';
import { subscribeToSavepoints } from './redis-notify.js';
import type {
  SavepointSubscriber,
  SavepointSubscription,
} from '../savepoint-notices.js';
import {
  acquireLease,
  listLeases,
  releaseLease,
  renewLease,
} from './redis-lease.js';
import { listSavepointInfo, replaceSavepoint } from './redis-replace.js';
import { listQuarantined, restoreQuarantined } from './redis-quarantine.js';
import type {
  QuarantinedInfo,
  LeaseInfo,
  LeaseRequest,
  RunLease,
  ReplaceOutcome,
  SavepointInfo,
  StoredSavepoint,
} from '../types.js';

/**
 * Storage in Redis, through a node-redis client.
 *
 * @remarks
 * Each savepoint's states are staged into an expiring hash, then one Lua
 * script, which Redis runs atomically, checks its timestamp, renames the
 * hash to its live key, registers the run and prunes superseded savepoints:
 * a crash or lost connection leaves either the old
 * savepoints or the old ones plus the complete new one. Commands of one
 * instance run in call order on its one connection. The key layout (every
 * key starts with `options.prefix`) is documented in `docs/storage-redis.md`.
 *
 * Durability is Redis's: with neither AOF nor RDB snapshots, a Redis restart
 * loses every savepoint.
 *
 * Connection loss: a command issued while the client is not connected
 * rejects at once with `E_STORAGE` (never queued until reconnection); one in
 * flight when the connection drops rejects with `E_STORAGE` too, and may or
 * may not have been applied (atomically either way). The client reconnects
 * by itself; later calls work again.
 *
 * Ownership: a client created from `url` belongs to the storage and is
 * closed by {@link RedisStorage.close}. A `client` passed in belongs to the
 * caller, who closes it (after closing the storage).
 *
 * @example
 * ```ts
 * import { RedisStorage } from 'runstate/redis';
 *
 * await using storage = await RedisStorage.open({
 *   url: 'redis://127.0.0.1:6379',
 *   prefix: 'jobs:',
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
export class RedisStorage extends BaseStorage {
  readonly #client: RedisClientLike;
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  readonly #logger: Logger;

  /** No I/O: {@link RedisStorage.open} does the setup. */
  private constructor(
    client: RedisClientLike,
    owned: OwnedRedisClient | undefined,
    config: RedisConfig,
  ) {
    super({ name: 'RedisStorage', readOnly: config.readOnly });
    this.#client = client;
    this.#connection = new RedisConnection(client, owned);
    this.#prefix = config.prefix;
    this.#logger = config.logger ?? silentLogger;
  }

  /**
   * Open a storage on a Redis server.
   *
   * @remarks
   * Loads the Lua scripts into the server's script cache (which checks the
   * connection). Nothing else is written; there is no schema.
   *
   * @param options - see {@link RedisStorageOptions}
   * @throws `TypeError` for bad options; `E_STORAGE` when `redis` is
   * missing or the server cannot be reached, with the driver error as
   * `cause`.
   * @example
   * ```ts
   * import { createClient } from 'redis';
   *
   * const client = await createClient({ url: process.env.REDIS_URL })
   *   .on('error', (error) => log.warn(error))
   *   .connect();
   * const storage = await RedisStorage.open({ client, prefix: 'jobs:' });
   * // …
   * await storage.close();
   * await client.close(); // the client is yours
   * ```
   */
  static async open(options: RedisStorageOptions): Promise<RedisStorage> {
    const config = checkRedisOptions(options);
    const { client, owned } = await openClient(config);
    return new RedisStorage(client, owned, config);
  }

  /** {@inheritDoc BaseStorage._isInitialized} */
  protected _isInitialized(runId: string): Promise<boolean> {
    return this.#call(runId, (keys) =>
      isInitialized(this.#client, keys, runId),
    );
  }

  /** {@inheritDoc BaseStorage._initRun} */
  protected _initRun(runId: string): Promise<void> {
    return this.#call(runId, (keys) => initRun(this.#client, keys, runId));
  }

  /** {@inheritDoc BaseStorage._writeSavepoint} */
  protected _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
    fence?: RunLease,
  ): Promise<void> {
    return this.#call(runId, (keys) =>
      writeSavepoint(this.#client, keys, runId, savepoint, keep, fence),
    );
  }

  /** {@inheritDoc BaseStorage._acquireLease} */
  protected override _acquireLease(
    runId: string,
    request: LeaseRequest,
  ): Promise<RunLease> {
    return this.#call(runId, (keys) =>
      acquireLease(this.#connection, keys, runId, request),
    );
  }

  /** {@inheritDoc BaseStorage._renewLease} */
  protected override _renewLease(
    lease: RunLease,
    ttlMs: number,
  ): Promise<void> {
    return this.#call(lease.runId, (keys) =>
      renewLease(this.#connection, keys, lease, ttlMs),
    );
  }

  /** {@inheritDoc BaseStorage._releaseLease} */
  protected override _releaseLease(lease: RunLease): Promise<void> {
    return this.#call(lease.runId, (keys) =>
      releaseLease(this.#connection, keys, lease),
    );
  }

  /** {@inheritDoc BaseStorage._listLeases} */
  protected override async _listLeases(prefix: string): Promise<LeaseInfo[]> {
    await this.#connection.assertReady();
    return listLeases(this.#connection, this.#prefix, prefix);
  }

  /**
   * {@inheritDoc BaseStorage._subscribeSavepoints}
   *
   * Subscribes on a duplicate of the client (`client.duplicate()`), which
   * this storage owns and closes.
   *
   * @throws `TypeError` when the client given cannot `duplicate()`.
   */
  protected override _subscribeSavepoints(
    subscriber: SavepointSubscriber,
  ): Promise<SavepointSubscription> {
    return subscribeToSavepoints(
      this.#client,
      this.#prefix,
      subscriber,
      this.#logger,
    );
  }

  /** {@inheritDoc BaseStorage._readSavepoint} */
  protected _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): Promise<StoredSavepoint | undefined> {
    return this.#call(runId, (keys) =>
      readSavepoint(this.#client, keys, runId, timestamp),
    );
  }

  /** {@inheritDoc BaseStorage._newestTimestamp} */
  protected override _newestTimestamp(
    runId: string,
  ): Promise<number | undefined> {
    return this.#call(runId, (keys) => newestTimestamp(this.#client, keys));
  }

  /** {@inheritDoc BaseStorage._listSavepoints} */
  protected _listSavepoints(runId: string): Promise<number[]> {
    return this.#call(runId, (keys) => listSavepoints(this.#client, keys));
  }

  /** {@inheritDoc BaseStorage._listSavepointInfo} */
  protected override _listSavepointInfo(
    runId: string,
  ): Promise<SavepointInfo[]> {
    return this.#call(runId, (keys) => listSavepointInfo(this.#client, keys));
  }

  /** {@inheritDoc BaseStorage._replaceSavepoint} */
  protected override _replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    expectVersion: number,
  ): Promise<ReplaceOutcome> {
    return this.#call(runId, (keys) =>
      replaceSavepoint(this.#client, keys, runId, savepoint, expectVersion),
    );
  }

  /** {@inheritDoc BaseStorage._prune} */
  protected _prune(runId: string, keep: number): Promise<number> {
    return this.#call(runId, (keys) => prune(this.#connection, keys, keep));
  }

  /** {@inheritDoc BaseStorage._quarantineSavepoint} */
  protected _quarantineSavepoint(
    runId: string,
    timestamp: number,
  ): Promise<void> {
    return this.#call(runId, (keys) =>
      quarantine(this.#connection, keys, timestamp),
    );
  }

  /** {@inheritDoc BaseStorage._listQuarantined} */
  protected override _listQuarantined(
    runId: string,
  ): Promise<QuarantinedInfo[]> {
    return this.#call(runId, (keys) => listQuarantined(this.#client, keys));
  }

  /** {@inheritDoc BaseStorage._restoreSavepoint} */
  protected override _restoreSavepoint(
    runId: string,
    timestamp: number,
  ): Promise<void> {
    return this.#call(runId, (keys) =>
      restoreQuarantined(this.#client, keys, runId, timestamp),
    );
  }

  /** {@inheritDoc BaseStorage._deleteRun} */
  protected _deleteRun(runId: string): Promise<boolean> {
    return this.#call(runId, (keys) =>
      deleteRun(this.#connection, keys, runId),
    );
  }

  /** {@inheritDoc BaseStorage._listRuns} */
  protected async _listRuns(): Promise<string[]> {
    await this.#connection.assertReady();
    return listRuns(this.#client, this.#prefix);
  }

  /**
   * Closes the client when it was created from `url` (gracefully, or at
   * once while it is disconnected); a `client` passed in stays open (the
   * caller closes it).
   */
  protected override _close(): Promise<void> {
    return this.#connection.close();
  }

  /** Run `body` on the run's keys, failing at once while disconnected. */
  async #call<T>(
    runId: string,
    body: (keys: RunKeys) => Promise<T>,
  ): Promise<T> {
    await this.#connection.assertReady();
    return body(runKeys(this.#prefix, runId));
  }
}
