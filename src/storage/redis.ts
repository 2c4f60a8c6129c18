/**
 * The Redis storage backend, on node-redis (`redis`). Published as the
 * `runstate/redis` subpath: importing it does not load `redis` until a
 * storage is opened from a URL.
 *
 * @packageDocumentation
 */
import { storageError } from '../errors.js';
import { assertOpen, guardCall } from './guard.js';
import { silentLogger } from '../logger.js';
import { checkPositiveInteger, checkTimestamp } from '../validate.js';
import { checkSavepoint, checkWriteOptions } from './check-savepoint.js';
import { RedisConnection } from './redis-connection.js';
import { runKeys, runsKey, type RunKeys } from './redis-keys.js';
import {
  checkRedisOptions,
  connectClient,
  type OwnedRedisClient,
  type RedisClientLike,
  type RedisConfig,
  type RedisStorageOptions,
} from './redis-options.js';
import {
  asArray,
  readSavepoint,
  toTimestamps,
  writeSavepoint,
} from './redis-savepoint.js';
import { BUFFER_REPLIES, SCRIPTS, loadScripts } from './redis-scripts.js';
import type {
  StorageAdapter,
  StoredSavepoint,
  WriteSavepointOptions,
} from './types.js';

export type { RedisClientLike, RedisStorageOptions } from './redis-options.js';

type Details = Readonly<Record<string, unknown>>;
const noCheck = (): Details => ({});

/**
 * Storage in Redis, through a node-redis client.
 *
 * @remarks
 * Each savepoint is written (all its states, its timestamp, the run's
 * registration) and superseded ones pruned by one Lua script, which Redis
 * runs atomically: a crash or lost connection leaves either the old
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
export class RedisStorage implements StorageAdapter {
  /** Whether this instance refuses writes (`E_READ_ONLY`). */
  readonly readOnly: boolean;
  readonly #client: RedisClientLike;
  readonly #connection: RedisConnection;
  readonly #prefix: string;
  #closing: Promise<void> | undefined;

  /** No I/O: {@link RedisStorage.open} does the setup. */
  private constructor(
    client: RedisClientLike,
    owned: OwnedRedisClient | undefined,
    config: RedisConfig,
  ) {
    this.#client = client;
    this.#connection = new RedisConnection(client, owned);
    this.#prefix = config.prefix;
    this.readOnly = config.readOnly;
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
    const { source } = config;
    const owned =
      'url' in source
        ? await connectClient(source.url, config.logger ?? silentLogger)
        : undefined;
    const client = 'client' in source ? source.client : owned!;
    try {
      await loadScripts(client);
    } catch (error) {
      owned?.destroy();
      throw storageError(error, 'opening Redis storage', {
        prefix: config.prefix,
      });
    }
    return new RedisStorage(client, owned, config);
  }

  /** {@inheritDoc StorageAdapter.isInitialized} */
  isInitialized(runId: string): Promise<boolean> {
    return this.#run('isInitialized', runId, false, noCheck, async (keys) => {
      const found = await this.#client.sendCommand([
        'SISMEMBER',
        keys.runs,
        runId,
      ]);
      return found === 1;
    });
  }

  /** {@inheritDoc StorageAdapter.initRun} */
  initRun(runId: string): Promise<void> {
    return this.#run('initRun', runId, true, noCheck, async (keys) => {
      await this.#client.sendCommand(['SADD', keys.runs, runId]);
    });
  }

  /** {@inheritDoc StorageAdapter.writeSavepoint} */
  writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void> {
    const check = (): Details => {
      checkSavepoint('savepoint', savepoint);
      checkWriteOptions('options', options);
      return { timestamp: savepoint.timestamp };
    };
    return this.#run('writeSavepoint', runId, true, check, (keys) =>
      writeSavepoint(this.#client, keys, runId, savepoint, options.keep),
    );
  }

  /** {@inheritDoc StorageAdapter.readSavepoint} */
  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    const check = (): Details => {
      if (timestamp !== undefined) checkTimestamp('timestamp', timestamp);
      return { timestamp };
    };
    return this.#run('readSavepoint', runId, false, check, (keys) =>
      readSavepoint(this.#client, keys, runId, timestamp),
    );
  }

  /** {@inheritDoc StorageAdapter.newestTimestamp} */
  newestTimestamp(runId: string): Promise<number | undefined> {
    return this.#run('newestTimestamp', runId, false, noCheck, async (keys) => {
      const args = ['ZRANGE', keys.savepoints, '-1', '-1'];
      return toTimestamps(await this.#client.sendCommand(args))[0];
    });
  }

  /** {@inheritDoc StorageAdapter.listSavepoints} */
  listSavepoints(runId: string): Promise<number[]> {
    return this.#run('listSavepoints', runId, false, noCheck, async (keys) => {
      const args = ['ZRANGE', keys.savepoints, '0', '-1'];
      return toTimestamps(await this.#client.sendCommand(args));
    });
  }

  /** {@inheritDoc StorageAdapter.prune} */
  prune(runId: string, keep: number): Promise<number> {
    const check = (): Details => ({ keep: checkPositiveInteger('keep', keep) });
    return this.#run('prune', runId, true, check, async (keys) => {
      const args = [keys.base, String(keep)];
      const pruned = await this.#connection.script(
        SCRIPTS.prune,
        [keys.savepoints],
        args,
      );
      return Number(pruned);
    });
  }

  /** {@inheritDoc StorageAdapter.quarantineSavepoint} */
  quarantineSavepoint(runId: string, timestamp: number): Promise<void> {
    const check = (): Details => ({
      timestamp: checkTimestamp('timestamp', timestamp),
    });
    return this.#run(
      'quarantineSavepoint',
      runId,
      true,
      check,
      async (keys) => {
        await this.#connection.script(
          SCRIPTS.quarantine,
          [keys.savepoints, keys.quarantine],
          [keys.base, String(timestamp)],
        );
      },
    );
  }

  /** {@inheritDoc StorageAdapter.deleteRun} */
  deleteRun(runId: string): Promise<boolean> {
    return this.#run('deleteRun', runId, true, noCheck, async (keys) => {
      const existed = await this.#connection.script(
        SCRIPTS.deleteRun,
        [keys.runs, keys.savepoints, keys.quarantine],
        [runId, keys.base],
      );
      return existed === 1;
    });
  }

  /** {@inheritDoc StorageAdapter.listRuns} */
  listRuns(): Promise<string[]> {
    return this.#connection.track(() => {
      this.#assertOpen();
      return this.#connection.call('listRuns', {}, async () => {
        const reply = await this.#client.sendCommand(
          ['SMEMBERS', runsKey(this.#prefix)],
          BUFFER_REPLIES,
        );
        return asArray(reply)
          .map((id) => Buffer.from(id as Buffer).toString('utf8'))
          .sort();
      });
    });
  }

  /**
   * Release the storage: waits for every operation in flight, then closes
   * the client when it was created from `url` (gracefully, or at once while
   * it is disconnected); a `client` passed in stays open (the caller closes
   * it). Idempotent: every call returns the same promise. Afterwards every
   * method rejects with `E_CLOSED`.
   *
   * @throws `E_STORAGE` when the driver fails to close the client.
   */
  close(): Promise<void> {
    this.#closing ??= this.#connection.close();
    return this.#closing;
  }

  /** Same as {@link RedisStorage.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Check open, writable (for a write), `runId` and the other arguments
   * (`check` returns error details), then run `body` on the run's keys.
   */
  #run<T>(
    operation: string,
    runId: string,
    write: boolean,
    check: () => Details,
    body: (keys: RunKeys) => Promise<T>,
  ): Promise<T> {
    return this.#connection.track(() => {
      this.#guard(runId, write ? operation : undefined);
      const details = { runId, ...check() };
      const keys = runKeys(this.#prefix, runId);
      return this.#connection.call(operation, details, () => body(keys));
    });
  }

  #assertOpen(): void {
    assertOpen('RedisStorage', this.#closing !== undefined);
  }

  /** Check open, writable when `writeOperation` is given, and `runId`. */
  #guard(runId: string, writeOperation?: string): void {
    const state = {
      closed: this.#closing !== undefined,
      readOnly: this.readOnly,
    };
    guardCall('RedisStorage', state, runId, writeOperation);
  }
}
