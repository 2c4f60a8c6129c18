/**
 * FileStorage's durability setting is observable: with `fsync` (the
 * default) a savepoint's own file is synced before it is renamed into
 * place and the run directory after, and with `fsync: false` nothing is.
 * A spy on `FileHandle#sync` records the inode of every synced file, and
 * the test compares them with the savepoint's and the directory's inodes
 * (a rename keeps the inode).
 */
import { fstatSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStorage } from '../../../src/storage/file/index.js';
import { savepoint } from '../../../src/testing/fixture.js';
import { runDir, savepointFile, tempDir } from './file-fixture.js';

interface Synced {
  readonly ino: number;
  readonly directory: boolean;
  /** Whether the savepoint's final name existed when it was synced. */
  readonly finalExisted: boolean;
}

let directory: string;
let synced: Synced[];
let finalPath: string;

beforeEach(async () => {
  directory = await tempDir();
  synced = [];
  finalPath = savepointFile(directory, 'r', 2);
  const probe = await open(join(directory, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as {
    sync(this: { fd: number }): Promise<void>;
  };
  await probe.close();
  const sync = Reflect.get(proto, 'sync');
  vi.spyOn(proto, 'sync').mockImplementation(async function (this: {
    fd: number;
  }) {
    const info = fstatSync(this.fd);
    const finalExisted = await stat(finalPath).then(
      () => true,
      () => false,
    );
    synced.push({ ino: info.ino, directory: info.isDirectory(), finalExisted });
    return sync.call(this);
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(directory, { recursive: true, force: true });
});

describe('FileStorage durability (fsync)', () => {
  it('syncs the savepoint file before its rename, and the directory after, by default', async () => {
    await using storage = await FileStorage.open({ directory });
    await storage.writeSavepoint('r', savepoint(1), { keep: 5 });
    synced.length = 0;
    await storage.writeSavepoint('r', savepoint(2), { keep: 5 });
    const file = await stat(finalPath);
    const dir = await stat(runDir(directory, 'r'));
    expect(synced).toContainEqual({
      ino: file.ino,
      directory: false,
      finalExisted: false,
    });
    expect(synced).toContainEqual({
      ino: dir.ino,
      directory: true,
      finalExisted: true,
    });
  });

  it('syncs nothing with fsync: false', async () => {
    await using storage = await FileStorage.open({ directory, fsync: false });
    await storage.writeSavepoint('r', savepoint(1), { keep: 5 });
    await storage.writeSavepoint('r', savepoint(2), { keep: 1 });
    expect(synced).toEqual([]);
  });
});
