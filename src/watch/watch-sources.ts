/**
 * Where a watch hears of savepoints: the storage's notices
 * (`subscribeSavepoints`: Postgres LISTEN/NOTIFY, Redis pub/sub), with a
 * catch-up read after each reconnection, or polling.
 *
 * @packageDocumentation
 */
import type {
  SavepointNotice,
  SavepointSubscription,
  StorageAdapter,
} from '../storage/index.js';
import { isRunStateError } from '../errors.js';
import type { RunFilter, WatchConfig } from './watch-options.js';

/** What a source feeds. @internal */
export interface WatchSink {
  /** The newest timestamp yielded (or seeded) for a run. */
  last(runId: string): number | undefined;
  /** Record a run's newest savepoint at the start, without yielding it. */
  seed(runId: string, timestamp: number): void;
  /** A savepoint; `missed`: earlier ones of its run may have been missed. */
  notice(notice: SavepointNotice, missed: boolean): void;
  /** Notices may be missed from now until the next catch-up. */
  lost(error: Error): void;
  /** The storage closed under the watch (`E_CLOSED`): nothing more comes. */
  ended(error: Error): void;
}

/** A running source. @internal */
export interface WatchSource {
  close(): Promise<void>;
}

/** The watched runs that exist now. */
async function watchedRuns(
  storage: StorageAdapter,
  filter: RunFilter,
): Promise<readonly string[]> {
  if (filter.ids !== undefined) return filter.ids;
  return (await storage.listRuns()).filter(filter.matches);
}

/** Each watched run's newest savepoint: seeded, or told as a notice. */
async function readNewest(
  storage: StorageAdapter,
  filter: RunFilter,
  tell: (runId: string, newest: number, version: number) => void,
): Promise<void> {
  for (const runId of await watchedRuns(storage, filter)) {
    const newest = await storage.newestTimestamp(runId);
    if (newest === undefined) continue;
    const versions = await versionsOf(storage, runId);
    tell(runId, newest, versions.get(newest) ?? 0);
  }
}

/** The version of each live savepoint of a run (0 when not recorded). */
async function versionsOf(
  storage: StorageAdapter,
  runId: string,
): Promise<Map<number, number>> {
  if (typeof storage.listSavepointInfo !== 'function') return new Map();
  const infos = await storage.listSavepointInfo(runId);
  return new Map(infos.map((i) => [i.timestamp, i.version]));
}

/**
 * Listen to the storage's notices; after a reconnection, report each
 * watched run's newest savepoint when it is newer than the last seen.
 *
 * @internal
 */
export async function startNotified(
  storage: StorageAdapter &
    Required<Pick<StorageAdapter, 'subscribeSavepoints'>>,
  config: WatchConfig,
  sink: WatchSink,
): Promise<WatchSource> {
  const { filter, logger } = config;
  const catchUp = (): void => {
    const tell = (runId: string, timestamp: number, version: number) =>
      sink.notice({ runId, timestamp, version }, true);
    readNewest(storage, filter, tell).catch((error: unknown) => {
      logger.warn({ err: error }, 'savepoint watch: catch-up read failed');
    });
  };
  const subscription: SavepointSubscription = await storage.subscribeSavepoints(
    {
      notice: (notice) => sink.notice(notice, false),
      lost: (error) => sink.lost(error),
      resumed: catchUp,
      ended: (error) => sink.ended(error),
    },
  );
  try {
    await readNewest(storage, filter, (runId, ts) => sink.seed(runId, ts));
  } catch (error) {
    await subscription.close();
    throw error;
  }
  return subscription;
}

/** One poll: every watched run's savepoints newer than the last seen. */
async function pollOnce(
  storage: StorageAdapter,
  filter: RunFilter,
  sink: WatchSink,
): Promise<void> {
  for (const runId of await watchedRuns(storage, filter)) {
    const last = sink.last(runId);
    const newest = await storage.newestTimestamp(runId);
    if (newest === undefined || (last !== undefined && newest <= last)) {
      continue;
    }
    const versions = await versionsOf(storage, runId);
    const listed =
      versions.size > 0
        ? [...versions.keys()].sort((a, b) => a - b)
        : await storage.listSavepoints(runId);
    // The last one seen was pruned: savepoints between may be missed.
    const missed = last !== undefined && (listed[0] ?? newest) > last;
    listed
      .filter((ts) => last === undefined || ts > last)
      .forEach((timestamp, i) =>
        sink.notice(
          { runId, timestamp, version: versions.get(timestamp) ?? 0 },
          missed && i === 0,
        ),
      );
  }
}

/**
 * Poll every `pollEveryMs`: the first poll seeds, later ones report.
 *
 * @internal
 */
export async function startPolling(
  storage: StorageAdapter,
  config: WatchConfig,
  sink: WatchSink,
): Promise<WatchSource> {
  const { filter, logger, pollEveryMs } = config;
  await readNewest(storage, filter, (runId, ts) => sink.seed(runId, ts));
  let failing = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> = Promise.resolve();
  const tick = (): void => {
    polling = pollOnce(storage, filter, sink)
      .then(() => {
        failing = false;
      })
      .catch((error: unknown) => {
        if (isRunStateError(error, 'E_CLOSED')) {
          closed = true; // the storage closed under the watch: end it
          sink.ended(error);
          return;
        }
        // Not a loss of notices: the next poll reads what was missed.
        if (!failing) {
          logger.warn({ err: error }, 'savepoint watch: poll failed');
        }
        failing = true;
      })
      .finally(() => {
        if (!closed) timer = setTimeout(tick, pollEveryMs);
      });
  };
  timer = setTimeout(tick, pollEveryMs);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      await polling;
    },
  };
}
