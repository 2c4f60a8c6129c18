/**
 * Rewind (`loadRunState({ at })`): load an older live savepoint instead of
 * the newest, then move the newer ones aside.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { StorageAdapter } from '../../storage/index.js';

/** What a rewind to `at` will do, decided before anything moves. @internal */
export interface RewindPlan {
  /** The live savepoints newer than `at`, newest first. */
  readonly newer: number[];
  /**
   * The storage as a load sees it once the newer savepoints are gone: only
   * `listSavepoints` and `readSavepoint`, which the load uses.
   */
  readonly view: StorageAdapter;
}

/**
 * Plan a rewind to `at`: nothing is moved yet, so a load or migration that
 * fails leaves every savepoint live.
 *
 * @throws `E_NO_SAVEPOINT` when `at` is not a live savepoint of the run.
 * @internal
 */
export async function planRewind(
  storage: StorageAdapter,
  runId: string,
  at: number,
): Promise<RewindPlan> {
  const live = await storage.listSavepoints(runId);
  if (!live.includes(at)) {
    throw new RunStateError(
      'E_NO_SAVEPOINT',
      `run ${JSON.stringify(runId)} has no live savepoint at ${at} to rewind to (live: ${live.join(', ') || 'none'})`,
      { details: { runId, at, live } },
    );
  }
  const kept = live.filter((ts) => ts <= at);
  const view = {
    listSavepoints: () => Promise.resolve(kept),
    readSavepoint: (id: string, ts?: number) => storage.readSavepoint(id, ts),
  } as Partial<StorageAdapter> as StorageAdapter;
  return { newer: live.filter((ts) => ts > at).reverse(), view };
}

/**
 * Quarantine the savepoints a rewind passes over, newest first, so the run
 * persists past them.
 *
 * @internal
 */
export async function quarantineNewer(
  where: { storage: StorageAdapter; runId: string; logger: Logger },
  at: number,
  newer: readonly number[],
): Promise<void> {
  const { runId, storage, logger } = where;
  for (const timestamp of newer) {
    await storage.quarantineSavepoint(runId, timestamp);
    logger.warn({ runId, timestamp, at }, 'rewind: moved savepoint aside');
  }
}
