/**
 * A stand-in for your database's key-value client, used by the custom
 * adapter example (`kv-storage.ts`, `03-custom-adapter.ts`): async `get`,
 * `set`, `delete` and a prefix scan, each one atomic on its own. It keeps
 * the data in memory and copies bytes in and out, as a client that
 * serialises over a socket would.
 */
export class TinyKv {
  readonly #data = new Map<string, Uint8Array>();

  /** The value under `key`, or `undefined`. */
  get(key: string): Promise<Uint8Array | undefined> {
    const value = this.#data.get(key);
    return Promise.resolve(value && new Uint8Array(value));
  }

  /** Store `value` under `key`, atomically replacing what was there. */
  set(key: string, value: Uint8Array): Promise<void> {
    this.#data.set(key, new Uint8Array(value));
    return Promise.resolve();
  }

  /** Remove `key`; nothing happens when it is missing. */
  delete(key: string): Promise<void> {
    this.#data.delete(key);
    return Promise.resolve();
  }

  /** Every key that starts with `prefix`. */
  keys(prefix: string): Promise<string[]> {
    const keys = [...this.#data.keys()].filter((k) => k.startsWith(prefix));
    return Promise.resolve(keys);
  }

  /** How many keys there are (to show that nothing is left behind). */
  get size(): number {
    return this.#data.size;
  }
}
