/**
 * Replacing a live savepoint file in place (`replaceSavepoint`, used by
 * `migrateRun`), crash-atomically.
 *
 * @packageDocumentation
 */
import { link, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSavepointFile } from './file-format.js';
import { listDir, syncDirectory, writeAtomically } from './file-io.js';
import {
  QUARANTINE,
  quarantineName,
  quarantineStamp,
  savepointName,
} from './file-layout.js';
import { readSavepointFile, type LockedRun } from './file-run.js';
import type { ReplaceOutcome, StoredSavepoint } from '../types.js';

/**
 * Swap the live file at `savepoint.timestamp` for a new one, keeping the
 * old one in `quarantine/`.
 *
 * @remarks
 * Under the run's lock: the old file is hard-linked into `quarantine/`
 * first (a crash then leaves the old file live and a quarantined copy),
 * then the new file is written to a temporary name and renamed over the
 * old name, which replaces it atomically. At no instant is the timestamp
 * without a complete live file.
 *
 * @internal
 */
export async function replaceSavepointFile(
  run: LockedRun,
  savepoint: StoredSavepoint,
  expectVersion: number,
): Promise<ReplaceOutcome> {
  const { runId, dir, config } = run;
  const { timestamp } = savepoint;
  const old = await readSavepointFile(runId, dir, timestamp);
  if (old === undefined) return 'missing';
  if ((old.meta?.version ?? 0) !== expectVersion) return 'conflict';
  await run.verify();
  const quarantine = join(dir, QUARANTINE);
  await mkdir(quarantine, { recursive: true });
  const at = quarantineStamp(await listDir(quarantine), Date.now());
  await link(
    join(dir, savepointName(timestamp)),
    join(quarantine, quarantineName(timestamp, at)),
  );
  if (config.fsync) await syncDirectory(quarantine);
  const data = await encodeSavepointFile(savepoint, config.compression);
  await writeAtomically(dir, savepointName(timestamp), data, {
    fsync: config.fsync,
    beforeRename: run.verify,
  });
  return 'replaced';
}
