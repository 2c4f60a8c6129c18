/**
 * Shared by the file-storage tests: where the documented layout puts a run
 * and a savepoint, and a conformance fixture over a temporary directory.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileStorage,
  type FileStorageOptions,
} from '../../../src/storage/file/index.js';
import type { StorageFactory } from '../../../src/testing/index.js';

/** A fresh temporary directory. */
export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'runstate-file-'));
}

/** The run directory, as docs/storage-file.md specifies it. */
export function runDir(root: string, runId: string): string {
  const hash = createHash('sha256')
    .update(Buffer.from(runId, 'utf16le'))
    .digest('hex');
  return join(root, hash);
}

/** A live savepoint's file, as docs/storage-file.md specifies it. */
export function savepointFile(
  root: string,
  runId: string,
  timestamp: number,
): string {
  const name = `${String(timestamp).padStart(16, '0')}.savepoint`;
  return join(runDir(root, runId), name);
}

/** Flip one byte of a file on disk (default: its last). */
export async function flipByte(path: string, at = -1): Promise<void> {
  const data = await readFile(path);
  const index = at < 0 ? data.length + at : at;
  data[index] = (data[index] ?? 0) ^ 0xff;
  await writeFile(path, data);
}

/** The conformance fixture: `reopen` opens another FileStorage on the directory. */
export function fileFixture(
  options: Omit<FileStorageOptions, 'directory'>,
): StorageFactory {
  return async () => {
    const directory = await tempDir();
    const open = (readOnly = false) =>
      FileStorage.open({ ...options, directory, readOnly });
    const handles = [await open()];
    return {
      storage: handles[0] as FileStorage,
      reopen: async ({ readOnly }) => {
        handles.push(await open(readOnly));
        return handles.at(-1) as FileStorage;
      },
      corrupt: (runId, timestamp) =>
        flipByte(savepointFile(directory, runId, timestamp)),
      cleanup: async () => {
        await Promise.all(handles.map((h) => h.close()));
        await rm(directory, { recursive: true, force: true });
      },
    };
  };
}
