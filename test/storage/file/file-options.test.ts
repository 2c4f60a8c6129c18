/**
 * FileStorage.open() options, and read-only storages: a missing directory
 * reads as empty and is never created; every write is E_READ_ONLY.
 */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import { savepoint } from '../../../src/testing/fixture.js';
import { runDir, tempDir } from './file-fixture.js';

const RUN = 'run-1';

describe('FileStorage read-only', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await tempDir();
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads a missing directory as empty and never creates it', async () => {
    const missing = join(directory, 'not', 'there');
    await using storage = await FileStorage.open({
      directory: missing,
      readOnly: true,
    });
    expect(storage.readOnly).toBe(true);
    expect(storage.directory).toBe(missing);
    expect(await storage.listRuns()).toEqual([]);
    expect(await storage.isInitialized(RUN)).toBe(false);
    expect(await storage.listSavepoints(RUN)).toEqual([]);
    expect(await storage.newestTimestamp(RUN)).toBeUndefined();
    expect(await storage.readSavepoint(RUN)).toBeUndefined();
    expect(await storage.readSavepoint(RUN, 1)).toBeUndefined();
    expect(await readdir(directory)).toEqual([]);
  });

  const WRITES: [string, (s: FileStorage) => Promise<unknown>][] = [
    ['initRun', (s) => s.initRun(RUN)],
    ['writeSavepoint', (s) => s.writeSavepoint(RUN, savepoint(9), { keep: 1 })],
    ['prune', (s) => s.prune(RUN, 1)],
    ['quarantineSavepoint', (s) => s.quarantineSavepoint(RUN, 1)],
    ['deleteRun', (s) => s.deleteRun(RUN)],
  ];

  it.each(WRITES)(
    'refuses %s with E_READ_ONLY and changes nothing',
    async (_, write) => {
      const writer = await FileStorage.open({ directory });
      await writer.writeSavepoint(RUN, savepoint(1), { keep: 1 });
      await writer.close();
      const before = await readdir(runDir(directory, RUN));
      await using reader = await FileStorage.open({
        directory,
        readOnly: true,
      });
      await expect(write(reader)).rejects.toMatchObject({
        code: 'E_READ_ONLY',
        details: { operation: _ },
      });
      expect(await readdir(runDir(directory, RUN))).toEqual(before);
      expect(await reader.listSavepoints(RUN)).toEqual([1]);
    },
  );
});

describe('FileStorage.open() options', () => {
  const BAD: [string, unknown, typeof TypeError, RegExp][] = [
    ['that are not an object', 'state', TypeError, /options must be an object/],
    ['without directory', {}, TypeError, /options\.directory/],
    [
      'with an empty directory',
      { directory: '' },
      TypeError,
      /options\.directory/,
    ],
    [
      'with a NUL in directory',
      { directory: 'a\0b' },
      TypeError,
      /options\.directory/,
    ],
    [
      'with an unknown compression',
      { directory: 'x', compression: 'zip' },
      RangeError,
      /options\.compression must be one of 'none', 'gzip', 'deflate', 'brotli', got "zip"/,
    ],
    [
      'with a non-boolean fsync',
      { directory: 'x', fsync: 1 },
      TypeError,
      /options\.fsync must be a boolean, got 1/,
    ],
    [
      'with a non-boolean readOnly',
      { directory: 'x', readOnly: 'yes' },
      TypeError,
      /options\.readOnly must be a boolean/,
    ],
    [
      'with a logger that is not an object',
      { directory: 'x', logger: 'console' },
      TypeError,
      /options\.logger/,
    ],
  ];

  it.each(BAD)(
    'rejects options %s, naming the option',
    async (_, options, type, message) => {
      const error: unknown = await FileStorage.open(
        options as { directory: string },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    },
  );

  it('rejects a directory that is a file with E_STORAGE', async () => {
    const directory = await tempDir();
    const file = join(directory, 'file');
    await writeFile(file, '');
    await expect(FileStorage.open({ directory: file })).rejects.toMatchObject({
      code: 'E_STORAGE',
      details: { directory: file },
      cause: { code: expect.stringMatching(/^E(EXIST|NOTDIR)$/) as unknown },
    });
    await rm(directory, { recursive: true, force: true });
  });

  it('resolves a relative directory to an absolute path', async () => {
    await using storage = await FileStorage.open({
      directory: 'relative/dir',
      readOnly: true,
    });
    expect(storage.directory).toBe(join(process.cwd(), 'relative/dir'));
  });
});
