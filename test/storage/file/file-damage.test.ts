/**
 * FileStorage on damaged files: every kind of damage is E_CORRUPTED (never
 * "missing"), and loads fall back past it; a newer format is
 * E_FORMAT_VERSION, which loads never skip.
 */
import { readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultCodec,
  loadNewestSavepoint,
  silentLogger,
} from '../../../src/index.js';
import { FileStorage } from '../../../src/storage/file/index.js';
import { flipByte, savepointFile, tempDir } from './file-fixture.js';

const RUN = 'run-1';

/** Make a file's header checksum match its (edited) header again. */
function resealHeader(data: Buffer): void {
  const end = data.readUInt16LE(6);
  const header = crc32(data.subarray(12, end), crc32(data.subarray(0, 8)));
  data.writeUInt32LE(header, 8);
}

describe('FileStorage on damaged files', () => {
  let directory: string;
  let storage: FileStorage;
  const file = () => savepointFile(directory, RUN, 2);

  beforeEach(async () => {
    directory = await tempDir();
    storage = await FileStorage.open({ directory });
    for (const ts of [1, 2]) {
      const entries = [
        ['e', defaultCodec.encode({ ts, pad: 'x'.repeat(99) })] as const,
      ];
      await storage.writeSavepoint(
        RUN,
        { timestamp: ts, entries },
        { keep: 5 },
      );
    }
  });
  afterEach(async () => {
    await storage.close();
    await rm(directory, { recursive: true, force: true });
  });

  const cases: [string, () => Promise<void>, RegExp][] = [
    ['a truncated file', () => truncate(file(), 80), /truncated or extended/],
    ['a file cut inside its header', () => truncate(file(), 20), /header/],
    ['an empty file', () => truncate(file(), 0), /bad magic/],
    ['a damaged header', () => flipByte(file(), 17), /header checksum/],
    ['a damaged body', () => flipByte(file(), 90), /body checksum/],
  ];

  it.each(cases)(
    'reports %s as E_CORRUPTED, and loads fall back past it',
    async (_, damage, reason) => {
      await damage();
      const error: unknown = await storage
        .readSavepoint(RUN)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'RunStateError',
        code: 'E_CORRUPTED',
        details: { runId: RUN, timestamp: 2, file: file() },
      });
      expect((error as Error).message).toMatch(reason);
      expect(await storage.listSavepoints(RUN)).toEqual([1, 2]);
      const loaded = await loadNewestSavepoint(
        storage,
        defaultCodec,
        RUN,
        silentLogger,
      );
      expect(loaded).toMatchObject({ timestamp: 1, skipped: [2] });
    },
  );

  it('reports a file renamed to another timestamp as E_CORRUPTED', async () => {
    await rename(savepointFile(directory, RUN, 1), file());
    await expect(storage.readSavepoint(RUN, 2)).rejects.toMatchObject({
      code: 'E_CORRUPTED',
      details: { timestamp: 2, reason: 'timestamp mismatch' },
    });
  });

  it('reports a compressed body that does not decompress as E_CORRUPTED', async () => {
    const gzip = await FileStorage.open({ directory, compression: 'gzip' });
    await gzip.writeSavepoint(
      RUN,
      { timestamp: 3, entries: [['e', Buffer.alloc(500, 7)]] },
      { keep: 5 },
    );
    await gzip.close();
    const path = savepointFile(directory, RUN, 3);
    const data = await readFile(path);
    data[80] = (data[80] ?? 0) ^ 0xff;
    data.writeUInt32LE(crc32(data.subarray(68)), 40); // a valid body checksum
    resealHeader(data);
    await writeFile(path, data);
    await expect(storage.readSavepoint(RUN, 3)).rejects.toMatchObject({
      code: 'E_CORRUPTED',
      details: { reason: 'body does not decompress' },
    });
  });

  it.each([
    ['a newer format version', 4, 3, { version: 3 }],
    ['an unknown compression', 5, 9, { version: 2, compression: 9 }],
  ])(
    'reports %s as E_FORMAT_VERSION, which loads never skip',
    async (_, at, value, details) => {
      const data = await readFile(file());
      data[at] = value;
      resealHeader(data);
      await writeFile(file(), data);
      await expect(storage.readSavepoint(RUN)).rejects.toMatchObject({
        code: 'E_FORMAT_VERSION',
        details: { ...details, runId: RUN, timestamp: 2 },
      });
      await expect(
        loadNewestSavepoint(storage, defaultCodec, RUN, silentLogger),
      ).rejects.toMatchObject({ code: 'E_FORMAT_VERSION' });
    },
  );
});
