/**
 * The Redis backend's use of its client: opening it, failing fast while
 * disconnected, running scripts, and closing a client the storage owns.
 *
 * @packageDocumentation
 */
import { storageError } from '../../errors.js';
import { silentLogger } from '../../logger.js';
import {
  connectClient,
  type OwnedRedisClient,
  type RedisClientLike,
  type RedisConfig,
} from './redis-options.js';
import { loadScripts, runScript, type Script } from './redis-scripts.js';

/**
 * The client of a storage being opened: connected from `url` (owned), or
 * the `client` given; either way with the Lua scripts loaded, which checks
 * the connection. An owned client is destroyed when that fails.
 *
 * @throws `E_STORAGE` when the server cannot be reached, with the driver
 * error as `cause`.
 * @internal
 */
export async function openClient(config: RedisConfig): Promise<{
  client: RedisClientLike;
  owned: OwnedRedisClient | undefined;
}> {
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
  return { client, owned };
}

/** One storage's client. @internal */
export class RedisConnection {
  readonly #client: RedisClientLike;
  readonly #owned: OwnedRedisClient | undefined;

  /**
   * @param client - the client commands go to
   * @param owned - the same client when the storage created it (and closes it)
   */
  constructor(client: RedisClientLike, owned: OwnedRedisClient | undefined) {
    this.#client = client;
    this.#owned = owned;
  }

  /**
   * Fail at once while the client is not connected: node-redis would
   * otherwise queue the command until it reconnects.
   */
  assertReady(): Promise<void> {
    return this.#client.isReady
      ? Promise.resolve()
      : Promise.reject(
          new Error(
            'the Redis client is not connected (it may be reconnecting)',
          ),
        );
  }

  /** Run a script. */
  script(
    script: Script,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<unknown> {
    return runScript(this.#client, script, keys, args);
  }

  /** Close an owned client (gracefully, or at once while disconnected). */
  async close(): Promise<void> {
    const owned = this.#owned;
    if (owned === undefined) return;
    if (owned.isReady) await owned.close();
    else owned.destroy();
  }
}
