/**
 * The file backend's operations on one run directory, each (but reading)
 * under the run's lock: writing a savepoint (then pruning), pruning,
 * quarantine, deleting the run, and reading one savepoint file (or the
 * newest).
 *
 * @packageDocumentation
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RunStateError, notMonotonicError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { decodeSavepointFile, encodeSavepointFile } from './file-format.js';
import {
  exists,
  isMissing,
  listDir,
  readWhole,
  removeFiles,
  syncDirectory,
  writeAtomically,
} from './file-io.js';
import {
  DELETED_PREFIX,
  QUARANTINE,
  RUN_META,
  TEMP_SUFFIX,
  liveTimestamps,
  quarantineName,
  quarantineStamp,
  savepointName,
  uniqueSuffix,
} from './file-layout.js';
import type { FileConfig } from './file-options.js';
import type { StoredSavepoint } from '../types.js';

/** One run directory, locked by this process. @internal */
export interface LockedRun {
  readonly runId: string;
  readonly dir: string;
  readonly config: FileConfig;
  readonly logger: Logger;
  /** Throws `E_LOCKED` unless the lock file is still ours. */
  readonly verify: () => Promise<void>;
}

/** Delete all but the newest `keep` of `live` (ascending); how many went. */
async function pruneLive(
  run: LockedRun,
  live: readonly number[],
  keep: number,
): Promise<number> {
  const doomed = live.slice(0, Math.max(0, live.length - keep));
  if (doomed.length === 0) return 0;
  const removed = await removeFiles(run.dir, doomed.map(savepointName));
  if (run.config.fsync) await syncDirectory(run.dir);
  return removed;
}

/**
 * Write a savepoint file crash-atomically, then prune: older files are
 * deleted only once the new one is durable. Temporary files left by a
 * crash are deleted first.
 *
 * @throws `E_NOT_MONOTONIC` (writing nothing) when the run has a live
 * savepoint at least as new; `E_LOCKED` when the lock was lost.
 * @internal
 */
export async function writeSavepointFile(
  run: LockedRun,
  savepoint: StoredSavepoint,
  keep: number,
): Promise<void> {
  const { runId, dir, config } = run;
  const names = await listDir(dir);
  const live = liveTimestamps(names);
  const newest = live.at(-1);
  if (newest !== undefined && newest >= savepoint.timestamp) {
    throw notMonotonicError(runId, savepoint.timestamp, newest);
  }
  const leftovers = names.filter((name) => name.endsWith(TEMP_SUFFIX));
  if (leftovers.length > 0) {
    const removed = await removeFiles(dir, leftovers);
    run.logger.debug(
      { runId, removed },
      'runstate removed leftover temp files',
    );
  }
  const data = await encodeSavepointFile(savepoint, config.compression);
  await writeAtomically(dir, savepointName(savepoint.timestamp), data, {
    fsync: config.fsync,
    beforeRename: run.verify,
  });
  await pruneLive(run, [...live, savepoint.timestamp], keep);
}

/** Delete all but the newest `keep` live savepoints. @internal */
export async function pruneSavepointFiles(
  run: LockedRun,
  keep: number,
): Promise<number> {
  const live = liveTimestamps(await listDir(run.dir));
  if (live.length <= keep) return 0;
  await run.verify();
  return pruneLive(run, live, keep);
}

/** Move a live savepoint file into `quarantine/`. @internal */
export async function quarantineSavepointFile(
  run: LockedRun,
  timestamp: number,
): Promise<void> {
  const { dir, config } = run;
  const from = join(dir, savepointName(timestamp));
  const names = await listDir(dir);
  if (!names.includes(savepointName(timestamp))) return;
  await run.verify();
  const quarantine = join(dir, QUARANTINE);
  await mkdir(quarantine, { recursive: true });
  try {
    const at = quarantineStamp(await listDir(quarantine), Date.now());
    await rename(from, join(quarantine, quarantineName(timestamp, at)));
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  if (config.fsync) {
    await syncDirectory(quarantine);
    await syncDirectory(dir);
  }
}

/**
 * Delete the run directory: rename it away under the root (atomically: the
 * run is gone at once), call `forget` (its lock went with it), then remove
 * it. Returns whether the run was registered.
 *
 * @internal
 */
export async function deleteRunDirectory(
  run: LockedRun,
  root: string,
  forget: () => void,
): Promise<boolean> {
  const existed = await exists(join(run.dir, RUN_META));
  await run.verify();
  const trash = join(
    root,
    `${DELETED_PREFIX}${basename(run.dir)}-${uniqueSuffix()}`,
  );
  await rename(run.dir, trash);
  forget();
  if (run.config.fsync) await syncDirectory(root);
  await rm(trash, { recursive: true, force: true });
  return existed;
}

/**
 * Read and decode one savepoint file; `undefined` when it does not exist
 * (never written, pruned, quarantined, or its run deleted meanwhile).
 *
 * @throws `E_CORRUPTED` for a damaged file (its header's timestamp must
 * match its name); `E_FORMAT_VERSION` for a newer format.
 * @internal
 */
export async function readSavepointFile(
  runId: string,
  dir: string,
  timestamp: number,
): Promise<StoredSavepoint | undefined> {
  const file = join(dir, savepointName(timestamp));
  let data: Buffer;
  try {
    data = await readWhole(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  const details = { runId, timestamp, file };
  const savepoint = await decodeSavepointFile(data, details);
  if (savepoint.timestamp !== timestamp) {
    throw new RunStateError(
      'E_CORRUPTED',
      `corrupted savepoint file: its header says timestamp ${savepoint.timestamp}, its name ${timestamp}`,
      { details: { ...details, reason: 'timestamp mismatch' } },
    );
  }
  return savepoint;
}

/** Re-reads of a newest savepoint pruned by another process meanwhile. */
const READ_ATTEMPTS = 10;

/**
 * Read the run's newest live savepoint, listing again when another process
 * pruned it between the listing and the read; `undefined` when none.
 *
 * @throws `Error` when it was deleted {@link READ_ATTEMPTS} times in a row.
 * @internal
 */
export async function readNewestSavepointFile(
  runId: string,
  dir: string,
): Promise<StoredSavepoint | undefined> {
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const newest = liveTimestamps(await listDir(dir)).at(-1);
    if (newest === undefined) return undefined;
    const savepoint = await readSavepointFile(runId, dir, newest);
    if (savepoint !== undefined) return savepoint;
  }
  throw new Error(
    `the newest savepoint of run ${JSON.stringify(runId)} was deleted ${READ_ATTEMPTS} times while being read`,
  );
}
