/**
 * Bookkeeping of a backend's operations: which are in flight (so `close()`
 * can wait for them) and the order of each run's writes.
 *
 * @packageDocumentation
 */

import { ensureError } from '../errors.js';

const noop = (): void => undefined;

/**
 * Start asynchronous work so that a synchronous throw (a failed argument
 * check) rejects instead.
 *
 * @internal
 */
export function attempt<T>(body: () => Promise<T>): Promise<T> {
  try {
    return body();
  } catch (error) {
    return Promise.reject(ensureError(error));
  }
}

/**
 * Tracks promises in flight and chains the writes of each key, so writes
 * issued without awaiting apply in call order even when the backend runs
 * them on different connections.
 *
 * @internal
 */
export class OperationQueue {
  readonly #inFlight = new Set<Promise<unknown>>();
  /** The last queued write of each key, settled either way. */
  readonly #tails = new Map<string, Promise<void>>();

  /** Remember `promise` until it settles; returns it. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = (): void => void this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Run `body` once the previous call for `key` settled; tracked. */
  serial<T>(key: string, body: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const run = async (): Promise<T> => {
      if (previous !== undefined) await previous;
      return body();
    };
    const result = this.track(run());
    const tail = result.then(noop, noop);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves once everything tracked so far settled. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }
}
