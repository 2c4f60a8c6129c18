/**
 * File-system steps of the file backend: whole-file reads, crash-atomic
 * writes (temporary file, fsync, rename, fsync of the directory) and
 * directory listings that treat a missing directory as empty.
 *
 * @packageDocumentation
 */
import {
  open,
  readdir,
  rename,
  rm,
  unlink,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { tempName } from './file-layout.js';

const noop = (): void => undefined;

/** Whether `error` says the path (or a parent) does not exist. @internal */
export function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The entry names of a directory; none when it does not exist. @internal */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** Whether `path` exists. @internal */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/**
 * Read a whole file in one `read` call when possible (fs.promises.readFile
 * reads in 512 KiB chunks, a thread-pool round trip each).
 *
 * @internal
 */
export async function readWhole(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(
        buffer,
        offset,
        size - offset,
        offset,
      );
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return offset === size ? buffer : buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(
      data,
      offset,
      data.length - offset,
      offset,
    );
    offset += bytesWritten;
  }
}

/**
 * Make a directory's entries (created, renamed, deleted files) durable.
 * Windows cannot open a directory; there this does nothing.
 *
 * @internal
 */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** What {@link writeAtomically} does besides writing. @internal */
export interface AtomicWriteOptions {
  /** fsync the file before the rename and the directory after it. */
  readonly fsync: boolean;
  /** Runs after the data is written (and synced), just before the rename. */
  readonly beforeRename?: () => Promise<void>;
}

/**
 * Write `data` as `dir/name` crash-atomically: into a new temporary file in
 * the same directory, fsync it, rename it over `name`, fsync the directory.
 * A crash leaves either no `name` (or the old one) or the complete new one,
 * plus at most a temporary file. The temporary file is removed on failure.
 *
 * @internal
 */
export async function writeAtomically(
  dir: string,
  name: string,
  data: Uint8Array,
  options: AtomicWriteOptions,
): Promise<void> {
  const temp = join(dir, tempName(name));
  try {
    const handle = await open(temp, 'wx');
    try {
      await writeAll(handle, data);
      if (options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await options.beforeRename?.();
    await rename(temp, join(dir, name));
  } catch (error) {
    await rm(temp, { force: true }).catch(noop);
    throw error;
  }
  if (options.fsync) await syncDirectory(dir);
}

/**
 * Delete files of `dir`, ignoring ones already gone. Returns how many this
 * call deleted.
 *
 * @internal
 */
export async function removeFiles(
  dir: string,
  names: readonly string[],
): Promise<number> {
  const removed = await Promise.all(
    names.map((name) =>
      unlink(join(dir, name)).then(
        () => true,
        (error: unknown) => {
          if (isMissing(error)) return false;
          throw error;
        },
      ),
    ),
  );
  return removed.filter(Boolean).length;
}
