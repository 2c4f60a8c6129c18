/**
 * The Redis backend's use of its client: operations in flight (so
 * `close()` can wait for them), failing fast while disconnected, wrapping
 * driver errors, and closing a client the storage owns.
 *
 * @internal
 * @packageDocumentation
 */
import { ensureError, storageError } from '../errors.js';
import type { OwnedRedisClient, RedisClientLike } from './redis-options.js';
import { runScript, type Script } from './redis-scripts.js';

type Details = Readonly<Record<string, unknown>>;

/** One storage's client and its operations in flight. @internal */
export class RedisConnection {
  readonly #client: RedisClientLike;
  readonly #owned: OwnedRedisClient | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  /**
   * @param client - the client commands go to
   * @param owned - the same client when the storage created it (and closes it)
   */
  constructor(client: RedisClientLike, owned: OwnedRedisClient | undefined) {
    this.#client = client;
    this.#owned = owned;
  }

  /** Start `body`, turning a synchronous throw into a rejection; tracked. */
  track<T>(body: () => Promise<T>): Promise<T> {
    let promise: Promise<T>;
    try {
      promise = body();
    } catch (error) {
      return Promise.reject(ensureError(error));
    }
    this.#inFlight.add(promise);
    const forget = (): void => void this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /**
   * Run `body` on the client, failing at once while it is disconnected;
   * driver errors become `E_STORAGE` with `details`.
   */
  async call<T>(
    operation: string,
    details: Details,
    body: (client: RedisClientLike) => Promise<T>,
  ): Promise<T> {
    try {
      if (!this.#client.isReady) {
        throw new Error(
          'the Redis client is not connected (it may be reconnecting)',
        );
      }
      return await body(this.#client);
    } catch (error) {
      throw storageError(error, operation, details);
    }
  }

  /** Run a script (inside {@link RedisConnection.call}). */
  script(
    script: Script,
    keys: readonly string[],
    args: readonly string[],
  ): Promise<unknown> {
    return runScript(this.#client, script, keys, args);
  }

  /**
   * Wait for every operation in flight, then close an owned client
   * (gracefully, or at once while disconnected).
   *
   * @throws `E_STORAGE` when the driver fails to close it.
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
    const owned = this.#owned;
    if (owned === undefined) return;
    try {
      if (owned.isReady) await owned.close();
      else owned.destroy();
    } catch (error) {
      throw storageError(error, 'close');
    }
  }
}
