/**
 * Quarantined savepoints: listing a run's and restoring one, on any
 * storage whose adapter supports it.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';
import type { QuarantinedInfo, StorageAdapter } from '../storage/index.js';
import { checkStorageArg } from '../validate.js';

function unsupported(method: string, runId: string): RunStateError {
  return new RunStateError(
    'E_UNSUPPORTED',
    `this storage adapter has no ${method}()`,
    { details: { runId } },
  );
}

/**
 * A run's quarantined savepoints (timestamp, version, when quarantined,
 * entities and bytes where the backend knows them), ascending by
 * timestamp then by quarantine order.
 *
 * @remarks
 * Savepoints are quarantined by `quarantineSavepoint` (after a load fell
 * back past a corrupted one, or by hand), by a rewind
 * (`loadRunState({ at })`) and by `migrateRun` (the old version of a
 * migrated savepoint). One timestamp can be listed more than once.
 *
 * @param storage - a storage whose adapter has `listQuarantined` (every
 * built-in backend); read-only is enough
 * @param runId - the run
 * @returns the quarantined savepoints; `[]` for none
 * @throws `E_UNSUPPORTED` for an adapter without `listQuarantined`
 * @example
 * ```ts
 * for (const q of await listQuarantinedSavepoints(storage, 'orders')) {
 *   console.log(q.timestamp, q.version, q.quarantinedAt);
 * }
 * ```
 */
export async function listQuarantinedSavepoints(
  storage: StorageAdapter,
  runId: string,
): Promise<QuarantinedInfo[]> {
  checkStorageArg('storage', storage, ['listRuns']);
  if (typeof storage.listQuarantined !== 'function') {
    throw unsupported('listQuarantined', runId);
  }
  return storage.listQuarantined(runId);
}

/**
 * Move a quarantined savepoint back to live (the one quarantined last at
 * `timestamp`), atomically.
 *
 * @remarks
 * The monotonic rule holds: the savepoint must be newer than every live
 * savepoint of the run. When newer live ones exist (after a rewind, say),
 * quarantine them first; restoring never overwrites or deletes a live
 * savepoint. Nothing is pruned: the run may then hold more live
 * savepoints than its `keep`, until its next write prunes.
 *
 * @param storage - a writable storage whose adapter has `restoreSavepoint`
 * @param runId - the run
 * @param timestamp - the quarantined savepoint's timestamp
 * @throws `E_NO_SAVEPOINT` when none is quarantined at `timestamp`;
 * `E_NOT_MONOTONIC` when a live savepoint at or after it exists;
 * `E_UNSUPPORTED` for an adapter without `restoreSavepoint`;
 * `E_READ_ONLY`
 * @example
 * ```ts
 * await restoreQuarantinedSavepoint(storage, 'orders', 1767225660000);
 * ```
 */
export async function restoreQuarantinedSavepoint(
  storage: StorageAdapter,
  runId: string,
  timestamp: number,
): Promise<void> {
  checkStorageArg('storage', storage, ['listRuns']);
  if (typeof storage.restoreSavepoint !== 'function') {
    throw unsupported('restoreSavepoint', runId);
  }
  return storage.restoreSavepoint(runId, timestamp);
}
