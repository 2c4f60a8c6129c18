/**
 * A run's `run.json`: its registration, holding the real run id (the
 * directory is named by a hash of it).
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isMissing, syncDirectory, writeAtomically } from './file-io.js';
import { RUN_META, runDirName } from './file-layout.js';
import type { LockedRun } from './file-run.js';

/** The layout version `run.json` records. @internal */
const LAYOUT_VERSION = 1;

/** The contents of `run.json`. @internal */
export interface RunMeta {
  readonly version: number;
  readonly runId: string;
  /** Epoch ms of the run's registration. */
  readonly createdAt: number;
}

/**
 * Read a run directory's `run.json`: its contents, `'missing'`, or
 * `'damaged'` (not JSON, wrong shape, or an id that does not hash to the
 * directory's name).
 *
 * @internal
 */
export async function readRunMeta(
  dir: string,
  dirName: string,
): Promise<RunMeta | 'missing' | 'damaged'> {
  let text: string;
  try {
    text = await readFile(join(dir, RUN_META), 'utf8');
  } catch (error) {
    if (isMissing(error)) return 'missing';
    throw error;
  }
  try {
    const meta = JSON.parse(text) as Partial<RunMeta> | null;
    if (
      typeof meta?.runId === 'string' &&
      typeof meta.version === 'number' &&
      runDirName(meta.runId) === dirName
    ) {
      return meta as RunMeta;
    }
  } catch {
    // not JSON: damaged
  }
  return 'damaged';
}

/**
 * Write `run.json` crash-atomically. JSON keeps every string exactly (lone
 * surrogates and NUL are escaped).
 *
 * @internal
 */
function writeRunMeta(
  dir: string,
  runId: string,
  fsync: boolean,
  beforeRename: () => Promise<void>,
): Promise<void> {
  const meta: RunMeta = {
    version: LAYOUT_VERSION,
    runId,
    createdAt: Date.now(),
  };
  const data = Buffer.from(`${JSON.stringify(meta)}\n`, 'utf8');
  return writeAtomically(dir, RUN_META, data, { fsync, beforeRename });
}

/**
 * Write the run's `run.json` unless it is there and intact (a damaged one
 * is rewritten, with a warning). Call it under the run's lock.
 *
 * @internal
 */
export async function ensureRunMeta(
  run: LockedRun,
  root: string,
): Promise<void> {
  const meta = await readRunMeta(run.dir, basename(run.dir));
  if (typeof meta === 'object') return;
  if (meta === 'damaged') {
    run.logger.warn({ dir: run.dir }, 'runstate rewrote a damaged run.json');
  }
  const { fsync } = run.config;
  await writeRunMeta(run.dir, run.runId, fsync, run.verify);
  // The run directory's own entry in the root, new with the first write.
  if (fsync) await syncDirectory(root);
}
