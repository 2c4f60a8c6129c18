/**
 * Quarantined savepoint files: listing them and restoring one. A
 * quarantined file is `quarantine/<ts>-<quarantinedAt>-<random>.savepoint`
 * (see `quarantineName`), its content unchanged.
 *
 * @packageDocumentation
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ensureError,
  notMonotonicError,
  notQuarantinedError,
} from '../../errors.js';
import { DEFAULT_META, metaOf } from '../savepoint-meta.js';
import type { QuarantinedInfo } from '../types.js';
import { decodeSavepointFile } from './file-format.js';
import { listDir, readWhole, syncDirectory } from './file-io.js';
import {
  QUARANTINE,
  QUARANTINED_NAME,
  liveTimestamps,
  savepointName,
} from './file-layout.js';
import type { LockedRun } from './file-run.js';

interface QuarantinedFile {
  readonly name: string;
  readonly timestamp: number;
  readonly quarantinedAt: number;
}

/** The quarantined files of a run directory, in quarantine order. */
async function quarantinedFiles(dir: string): Promise<QuarantinedFile[]> {
  const files: QuarantinedFile[] = [];
  for (const name of await listDir(join(dir, QUARANTINE))) {
    const match = QUARANTINED_NAME.exec(name);
    if (match === null) continue;
    const [, ts, at] = match as unknown as [string, string, string];
    files.push({ name, timestamp: Number(ts), quarantinedAt: Number(at) });
  }
  return files.sort(
    (a, b) =>
      a.timestamp - b.timestamp ||
      a.quarantinedAt - b.quarantinedAt ||
      (a.name < b.name ? -1 : 1),
  );
}

/** List a run's quarantined savepoints, reading each file. @internal */
export async function listQuarantinedFiles(
  runId: string,
  dir: string,
): Promise<QuarantinedInfo[]> {
  const list: QuarantinedInfo[] = [];
  for (const { name, timestamp, quarantinedAt } of await quarantinedFiles(
    dir,
  )) {
    const file = join(dir, QUARANTINE, name);
    const base = { timestamp, quarantinedAt };
    try {
      const data = await readWhole(file);
      const sp = await decodeSavepointFile(data, { runId, timestamp, file });
      const bytes = sp.entries.reduce((n, [, b]) => n + b.byteLength, 0);
      const entities = sp.entries.length;
      list.push({ ...metaOf(sp), ...base, entities, bytes });
    } catch (error) {
      // Quarantine often holds a corrupted file: list it, saying why.
      const unreadable = ensureError(error).message;
      list.push({ ...DEFAULT_META, ...base, unreadable });
    }
  }
  return list;
}

/** Move the file quarantined last at `timestamp` back to live. @internal */
export async function restoreSavepointFile(
  run: LockedRun,
  timestamp: number,
): Promise<void> {
  const { runId, dir, config } = run;
  const found = (await quarantinedFiles(dir))
    .filter((f) => f.timestamp === timestamp)
    .at(-1);
  if (found === undefined) throw notQuarantinedError(runId, timestamp);
  const newest = liveTimestamps(await listDir(dir)).at(-1);
  if (newest !== undefined && newest >= timestamp) {
    throw notMonotonicError(runId, timestamp, newest);
  }
  await run.verify();
  await rename(
    join(dir, QUARANTINE, found.name),
    join(dir, savepointName(timestamp)),
  );
  if (config.fsync) {
    await syncDirectory(dir);
    await syncDirectory(join(dir, QUARANTINE));
  }
}
