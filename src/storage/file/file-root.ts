/**
 * The file backend's root directory: preparing it for writing, and listing
 * the runs it holds.
 *
 * @packageDocumentation
 */
import { mkdir, realpath, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../../logger.js';
import { listDir, syncDirectory } from './file-io.js';
import { DELETED_PREFIX, isRunDirName } from './file-layout.js';
import { readRunMeta } from './file-meta.js';
import type { FileConfig } from './file-options.js';

/**
 * Create the root (with its parents) when missing, and remove what
 * interrupted deletions left; returns its real path.
 *
 * @internal
 */
export async function prepareRoot(config: FileConfig): Promise<string> {
  const made = await mkdir(config.directory, { recursive: true });
  if (made !== undefined && config.fsync) {
    await syncDirectory(dirname(config.directory));
  }
  const directory = await realpath(config.directory);
  const deleted = (await listDir(directory)).filter((name) =>
    name.startsWith(DELETED_PREFIX),
  );
  await Promise.all(
    deleted.map((name) =>
      // Another process may be deleting it too: best effort.
      rm(join(directory, name), { recursive: true, force: true }).catch(
        () => undefined,
      ),
    ),
  );
  return directory;
}

/**
 * The ids of every registered run (a run directory with an intact
 * `run.json`), sorted by code unit. A damaged `run.json` is skipped with a
 * warning.
 *
 * @internal
 */
export async function listRunIds(
  root: string,
  logger: Logger,
): Promise<string[]> {
  const names = (await listDir(root)).filter(isRunDirName);
  const metas = await Promise.all(
    names.map((name) => readRunMeta(join(root, name), name)),
  );
  const runs: string[] = [];
  metas.forEach((meta, i) => {
    if (typeof meta === 'object') runs.push(meta.runId);
    else if (meta === 'damaged') {
      const dir = join(root, names[i] as string);
      logger.warn({ dir }, 'runstate skipped a run with a damaged run.json');
    }
  });
  return runs.sort();
}
