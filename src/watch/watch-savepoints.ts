/**
 * `watchSavepoints`: the savepoints other processes persist, as an async
 * iterable, in order per run.
 *
 * @packageDocumentation
 */
import { storageError } from '../errors.js';
import type { SavepointNotice, StorageAdapter } from '../storage/index.js';
import { checkStorageArg } from '../validate.js';
import {
  checkWatchOptions,
  type WatchConfig,
  type WatchSavepointsOptions,
} from './watch-options.js';
import {
  startNotified,
  startPolling,
  type WatchSink,
  type WatchSource,
} from './watch-sources.js';

/** One persisted savepoint, as {@link watchSavepoints} yields it. */
export interface SavepointEvent extends SavepointNotice {
  /**
   * Whether savepoints of this run before this one may have been missed:
   * after a lost connection (this is then the run's newest savepoint when
   * the watch caught up), or when a poll found the previous one pruned
   * (`keep` or more written between two polls: it cannot tell whether
   * others fell between). False when the watch saw every savepoint of the
   * run since the previous event.
   */
  readonly mayHaveMissed: boolean;
}

/** Whether `storage` announces its savepoints. */
function notifies(
  storage: StorageAdapter,
): storage is StorageAdapter &
  Required<Pick<StorageAdapter, 'subscribeSavepoints'>> {
  return typeof storage.subscribeSavepoints === 'function';
}

/**
 * A running watch: an async iterable of {@link SavepointEvent} (one
 * consumer), closed by `close()`, by its signal, or by leaving a
 * `for await` loop.
 */
export class SavepointWatch implements AsyncIterable<SavepointEvent> {
  /**
   * Resolves once the watch listens (or took its first poll): every
   * savepoint committed after it is yielded. Rejects, like the iteration,
   * when the watch cannot start.
   */
  readonly ready: Promise<void>;
  /** `'notify'` (the storage's notices) or `'poll'`. */
  readonly mode: 'notify' | 'poll';
  readonly #queue: SavepointEvent[] = [];
  readonly #last = new Map<string, { ts: number; epoch: number }>();
  #epoch = 0;
  #wake: (() => void) | undefined;
  #failure: Error | undefined;
  #closing: Promise<void> | undefined;
  #source: Promise<WatchSource | undefined> = Promise.resolve(undefined);
  readonly #settleReady: (started: Promise<unknown>) => void;

  /** No I/O: {@link SavepointWatch.start} starts it. @internal */
  private constructor(mode: 'notify' | 'poll') {
    this.mode = mode;
    let settle: (started: Promise<unknown>) => void = () => undefined;
    this.ready = new Promise<unknown>((resolve) => {
      settle = resolve;
    }).then(() => undefined);
    this.ready.catch(() => undefined);
    this.#settleReady = settle;
  }

  /** Start watching `storage`. @internal Use {@link watchSavepoints}. */
  static start(storage: StorageAdapter, config: WatchConfig): SavepointWatch {
    const watch = new SavepointWatch(notifies(storage) ? 'notify' : 'poll');
    watch.#begin(storage, config);
    return watch;
  }

  #begin(storage: StorageAdapter, config: WatchConfig): void {
    const sink = this.#sink(config);
    // A start-up failure of any adapter is E_STORAGE (a RunStateError as is).
    const started = (
      notifies(storage)
        ? startNotified(storage, config, sink)
        : startPolling(storage, config, sink)
    ).catch((error: unknown) => {
      throw storageError(error, 'watchSavepoints');
    });
    this.#settleReady(started);
    this.#source = started.catch((error: unknown) => {
      this.#fail(error as Error);
      return undefined;
    });
    const { signal } = config;
    if (signal?.aborted === true) void this.close();
    signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  #sink(config: WatchConfig): WatchSink {
    return {
      last: (runId) => this.#last.get(runId)?.ts,
      seed: (runId, ts) => {
        const seen = this.#last.get(runId);
        if (seen === undefined || seen.ts < ts) {
          this.#last.set(runId, { ts, epoch: this.#epoch });
        }
      },
      notice: (notice, missed) => {
        if (!config.filter.matches(notice.runId)) return;
        this.#push(notice, missed);
      },
      lost: () => {
        this.#epoch += 1;
      },
      ended: (error) => this.#fail(error),
    };
  }

  #push(notice: SavepointNotice, missed: boolean): void {
    if (this.#closing !== undefined) return;
    const seen = this.#last.get(notice.runId);
    if (seen !== undefined && notice.timestamp <= seen.ts) return;
    const gap = missed || (seen?.epoch ?? 0) < this.#epoch;
    this.#last.set(notice.runId, { ts: notice.timestamp, epoch: this.#epoch });
    const { runId, timestamp, version } = notice;
    this.#queue.push({ runId, timestamp, version, mayHaveMissed: gap });
    this.#wake?.();
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#wake?.();
  }

  /** Stop watching and release the connection. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#wake?.();
      const source = await this.#source;
      await source?.close();
    })();
    return this.#closing;
  }

  /** Same as {@link SavepointWatch.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The events, as they come; ends when the watch closes. */
  async *[Symbol.asyncIterator](): AsyncIterator<SavepointEvent> {
    try {
      for (;;) {
        const next = this.#queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#closing !== undefined) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      await this.close();
    }
  }
}

/**
 * Watch the savepoints persisted to `storage`, by any process: an async
 * iterable of `{ runId, timestamp, version, mayHaveMissed }`, in order per
 * run.
 *
 * @remarks
 * On Postgres and Redis (any storage with `subscribeSavepoints`) the
 * storage announces each savepoint as it commits: Postgres with
 * `pg_notify` inside the write transaction, Redis with `PUBLISH` from the
 * commit script, so only committed savepoints are announced. After a lost
 * connection the watch reconnects, reads each watched run's newest
 * savepoint, and yields it when it is newer than the last yielded, with
 * `mayHaveMissed: true` (so does the next event of every run after the
 * loss). Other storages (SQLite, files, memory) are polled every
 * `pollEveryMs`. Savepoints committed after `ready` resolves are yielded;
 * a savepoint older than one already yielded for its run never is.
 *
 * @param storage - where the savepoints are written; close the watch
 *   before it: a storage closed under the watch ends the iteration with
 *   `E_CLOSED` (after the events already queued)
 * @param options - which runs ({@link WatchSavepointsOptions.runs}), the
 *   poll interval, a signal and a logger
 * @returns a {@link SavepointWatch}, already starting
 * @throws `TypeError`/`RangeError` for bad options (at once); the
 *   iteration and `ready` reject with `E_STORAGE` when the first
 *   connection or read fails.
 * @example
 * ```ts
 * await using watch = watchSavepoints(storage, { runs: /^orders-/ });
 * for await (const { runId, timestamp, mayHaveMissed } of watch) {
 *   console.log(runId, new Date(timestamp), mayHaveMissed);
 * }
 * ```
 * @see docs/scaling.md
 */
export function watchSavepoints(
  storage: StorageAdapter,
  options: WatchSavepointsOptions,
): SavepointWatch {
  checkStorageArg('storage', storage, [
    'listRuns',
    'newestTimestamp',
    'listSavepoints',
  ]);
  return SavepointWatch.start(storage, checkWatchOptions(options));
}
