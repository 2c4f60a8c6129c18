/**
 * A custom storage adapter: runstate's savepoints in a key-value store,
 * written only against the public contract (`BaseStorage` does the argument
 * checks, `E_CLOSED`/`E_READ_ONLY`, per-run write order and error wrapping).
 * `test/examples/kv-storage.test.ts` runs the conformance suite on it;
 * `docs/storage-adapters.md` walks through it.
 *
 * Layout: `run:<id>` holds the run's live timestamps, `sp:<id>:<timestamp>`
 * one savepoint's entries and metadata (ids JSON-quoted, so any id is
 * unambiguous). A
 * write stores the savepoint's key, then the index: that one `set` is the
 * atomic switch. A crash before it leaves the old savepoints; after it, only
 * unlisted keys, which `deleteRun` removes with the rest. A quarantined
 * savepoint's key stays (for inspection) but leaves the index.
 */
import { Packr } from 'msgpackr';
import { BaseStorage, notMonotonicError, type StoredEntry } from 'runstate';
import type { SavepointMeta, StoredSavepoint } from 'runstate';
import type { TinyKv } from './tiny-kv.js';

const packr = new Packr({ useRecords: false });
const runKey = (runId: string) => `run:${JSON.stringify(runId)}`;
const spKey = (runId: string, ts: number | '' = '') =>
  `sp:${JSON.stringify(runId)}:${ts}`;

/** Savepoints in a {@link TinyKv}: an index key per run, a key per savepoint. */
export class KvStorage extends BaseStorage {
  readonly #kv: TinyKv;

  private constructor(kv: TinyKv, readOnly: boolean) {
    super({ name: 'KvStorage', readOnly });
    this.#kv = kv;
  }

  /** A storage over `kv`, which the caller owns (and closes). */
  static open(kv: TinyKv, { readOnly = false } = {}): Promise<KvStorage> {
    return Promise.resolve(new KvStorage(kv, readOnly));
  }

  /** The run's live timestamps, ascending; `undefined` for no run. */
  async #live(runId: string): Promise<number[] | undefined> {
    const bytes = await this.#kv.get(runKey(runId));
    return bytes && (packr.unpack(bytes) as number[]);
  }

  /** Switch the run's index to `live`, then delete the `dropped` keys. */
  async #commit(runId: string, live: number[], dropped: number[] = []) {
    await this.#kv.set(runKey(runId), packr.pack(live));
    for (const ts of dropped) await this.#kv.delete(spKey(runId, ts));
    return dropped.length;
  }

  protected async _writeSavepoint(
    runId: string,
    sp: StoredSavepoint,
    keep: number,
  ) {
    const live = (await this.#live(runId)) ?? [];
    const newest = live.at(-1);
    if (newest !== undefined && newest >= sp.timestamp) {
      throw notMonotonicError(runId, sp.timestamp, newest);
    }
    // BaseStorage hands every write its metadata (version, writtenAt…).
    const stored = { entries: sp.entries, meta: sp.meta };
    await this.#kv.set(spKey(runId, sp.timestamp), packr.pack(stored));
    live.push(sp.timestamp);
    await this.#commit(runId, live.slice(-keep), live.slice(0, -keep));
  }

  protected async _readSavepoint(runId: string, timestamp?: number) {
    const live = (await this.#live(runId)) ?? [];
    const ts = timestamp ?? live.at(-1);
    if (ts === undefined || !live.includes(ts)) return undefined;
    const bytes = await this.#kv.get(spKey(runId, ts));
    if (bytes === undefined) return undefined;
    const { entries, meta } = packr.unpack(bytes) as {
      entries: StoredEntry[];
      meta: SavepointMeta;
    };
    return { timestamp: ts, entries, meta };
  }

  protected async _prune(runId: string, keep: number) {
    const live = await this.#live(runId);
    return live
      ? this.#commit(runId, live.slice(-keep), live.slice(0, -keep))
      : 0;
  }

  protected async _quarantineSavepoint(runId: string, timestamp: number) {
    const live = await this.#live(runId);
    if (live?.includes(timestamp)) {
      await this.#commit(
        runId,
        live.filter((ts) => ts !== timestamp),
      );
    }
  }

  protected async _deleteRun(runId: string) {
    const existed = (await this.#live(runId)) !== undefined;
    await this.#kv.delete(runKey(runId)); // first: the run is gone at once
    for (const key of await this.#kv.keys(spKey(runId)))
      await this.#kv.delete(key);
    return existed;
  }

  protected async _initRun(runId: string) {
    await this.#commit(runId, (await this.#live(runId)) ?? []);
  }

  protected async _isInitialized(runId: string) {
    return (await this.#live(runId)) !== undefined;
  }

  protected async _listSavepoints(runId: string) {
    return (await this.#live(runId)) ?? [];
  }

  protected async _listRuns() {
    const keys = await this.#kv.keys('run:');
    return keys.map((key) => JSON.parse(key.slice(4)) as string).sort();
  }
}
