/**
 * A reader of FileStorage whose listing names a savepoint that another
 * process pruned before it could be read: the reader lists again and reads
 * the newest savepoint that exists, instead of failing. The stale listing is
 * simulated by mocking `readdir` once.
 */
import type * as fs from 'node:fs/promises';
import { readdir, rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import { savepoint } from '../../../src/testing/fixture.js';
import { tempDir } from './file-fixture.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fs>();
  return { ...actual, readdir: vi.fn(actual.readdir) };
});

describe('FileStorage#readSavepoint() racing a pruning writer', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await tempDir();
  });
  afterEach(async () => {
    vi.mocked(readdir).mockClear();
    await rm(directory, { recursive: true, force: true });
  });

  it('lists again when the newest listed savepoint is gone', async () => {
    const writer = await FileStorage.open({ directory });
    await writer.writeSavepoint('r', savepoint(1), { keep: 5 });
    await writer.writeSavepoint('r', savepoint(2), { keep: 5 });
    await writer.close();
    vi.mocked(readdir).mockClear();
    const stale = ['0000000000000003.savepoint', '0000000000000002.savepoint'];
    vi.mocked(readdir).mockImplementationOnce(() =>
      Promise.resolve(stale as never),
    );
    await using reader = await FileStorage.open({ directory, readOnly: true });
    const read = await reader.readSavepoint('r');
    expect(read?.timestamp).toBe(2);
    expect(vi.mocked(readdir)).toHaveBeenCalledTimes(2);
  });
});
