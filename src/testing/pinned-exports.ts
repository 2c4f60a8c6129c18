/**
 * Pinned savepoints as export files (`runstate export … -o FILE.ndjson`,
 * the format of `docs/export-format.md`): each file is imported into a
 * memory storage of its own, then checked like any storage.
 *
 * @packageDocumentation
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RunStateError, ensureError } from '../errors.js';
import { importSavepoint } from '../export/index.js';
import type { Codec } from '../storage/codec/index.js';
import { MemoryStorage } from '../storage/memory/index.js';

/** One export file, imported, or the error importing it. */
export type PinnedExport =
  | { readonly file: string; readonly storage: MemoryStorage }
  | { readonly file: string; readonly error: Error };

/**
 * The export files at `path`: the file itself when it ends in `.ndjson`,
 * or the `*.ndjson` files directly inside a directory (sorted by name);
 * `undefined` when there are none (a file-storage directory, say).
 */
export async function exportFilesAt(
  path: string,
): Promise<string[] | undefined> {
  const found = await stat(path).catch((error: unknown) => {
    throw new RunStateError(
      'E_STORAGE',
      `cannot read pinned savepoints at ${JSON.stringify(path)}: ${ensureError(error).message}`,
      { cause: error, details: { path } },
    );
  });
  if (found.isFile()) {
    return path.endsWith('.ndjson') ? [path] : undefined;
  }
  const names = (await readdir(path)).filter((n) => n.endsWith('.ndjson'));
  return names.length === 0
    ? undefined
    : names.sort().map((n) => join(path, n));
}

/** Import one export file into a fresh memory storage. */
export async function importPinned(
  file: string,
  codec: Codec | undefined,
): Promise<PinnedExport> {
  const storage = await MemoryStorage.open();
  const source = createReadStream(file);
  try {
    await importSavepoint(
      storage,
      source,
      codec === undefined ? {} : { codec },
    );
    return { file: basename(file), storage };
  } catch (error) {
    await storage.close();
    return { file: basename(file), error: ensureError(error) };
  } finally {
    source.destroy();
  }
}
