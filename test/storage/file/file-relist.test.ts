/**
 * A reader of FileStorage whose listing names a savepoint that another
 * instance prunes before it can be read: the reader lists again and reads
 * the newest savepoint that exists, instead of failing or answering
 * "none". The race is forced, not hoped for: the reader's directory listing
 * (`readdir`, mocked to call the real one) lets a writer prune right after
 * it returns, before the reader opens the file it names.
 */
import type * as fs from 'node:fs/promises';
import { readdir, rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import { plain, savepoint } from '../../../src/testing/fixture.js';
import { runDir, tempDir } from './file-fixture.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fs>();
  return { ...actual, readdir: vi.fn(actual.readdir) };
});

const RUN = 'r';

describe('FileStorage#readSavepoint() racing a pruning writer', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await tempDir();
  });
  afterEach(async () => {
    vi.mocked(readdir).mockClear();
    await rm(directory, { recursive: true, force: true });
  });

  /**
   * Make the reader's next listing of the run directory return what was
   * there, after `meanwhile` (another instance's write) has run.
   */
  function pruneAfterNextListing(meanwhile: () => Promise<void>): string[][] {
    const listings: string[][] = [];
    const real = vi.mocked(readdir).getMockImplementation() as unknown as (
      path: string,
    ) => Promise<string[]>;
    const dir = runDir(directory, RUN);
    vi.mocked(readdir).mockImplementationOnce((async (path: string) => {
      const names = await real(path);
      if (path === dir) {
        listings.push(names.filter((n) => n.endsWith('.savepoint')));
        await meanwhile();
      }
      return names;
    }) as never);
    return listings;
  }

  it('lists again when the newest listed savepoint was pruned meanwhile', async () => {
    await using writer = await FileStorage.open({ directory });
    await writer.writeSavepoint(RUN, savepoint(1), { keep: 5 });
    await writer.writeSavepoint(RUN, savepoint(2), { keep: 5 });
    await using reader = await FileStorage.open({ directory, readOnly: true });
    const listings = pruneAfterNextListing(() =>
      writer.writeSavepoint(RUN, savepoint(3), { keep: 1 }),
    );
    const read = await reader.readSavepoint(RUN);
    // The reader listed 1 and 2, the writer then kept only 3.
    expect(listings).toEqual([
      ['0000000000000001.savepoint', '0000000000000002.savepoint'],
    ]);
    expect(await writer.listSavepoints(RUN)).toEqual([3]);
    expect(read?.timestamp).toBe(3);
    expect(plain(read)).toEqual(plain(savepoint(3)));
  });

  it('answers the newest savepoint, not none, when every listed one is gone', async () => {
    await using writer = await FileStorage.open({ directory });
    await writer.writeSavepoint(RUN, savepoint(1), { keep: 1 });
    await using reader = await FileStorage.open({ directory, readOnly: true });
    pruneAfterNextListing(async () => {
      await writer.writeSavepoint(RUN, savepoint(2), { keep: 1 });
      await writer.writeSavepoint(RUN, savepoint(3), { keep: 1 });
    });
    expect((await reader.readSavepoint(RUN))?.timestamp).toBe(3);
  });
});
