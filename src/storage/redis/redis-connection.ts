/**
 * The Redis backend's use of its client: failing fast while disconnected,
 * running scripts, and closing a client the storage owns.
 *
 * @packageDocumentation
 */
import type { OwnedRedisClient, RedisClientLike } from './redis-options.js';
import { runScript, type Script } from './redis-scripts.js';

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
