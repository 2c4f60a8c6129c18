/**
 * SqliteStorage's documented durability defaults, read back from the
 * connection it opened: `PRAGMA synchronous` is FULL (2) unless
 * `synchronous: 'normal'` is given, the journal is WAL, and the busy
 * timeout is 5 000 ms. A spy on better-sqlite3's `pragma` catches the
 * connection that `SqliteStorage.open({ path })` creates.
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  SqliteStorage,
  type SqliteStorageOptions,
} from '../../../src/storage/sqlite/index.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runstate-sqlite-durability-'));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

/** Open a storage on a new file and read its connection's pragmas. */
async function pragmasOf(options: Omit<SqliteStorageOptions, 'path'>) {
  const connections = new Set<Database.Database>();
  type Pragma = (this: Database.Database, ...args: unknown[]) => unknown;
  const pragma = Reflect.get(Database.prototype, 'pragma') as Pragma;
  vi.spyOn(Database.prototype, 'pragma').mockImplementation(function (
    this: Database.Database,
    ...args: unknown[]
  ) {
    connections.add(this);
    return pragma.apply(this, args);
  });
  const storage = await SqliteStorage.open({
    path: join(dir, 'state.db'),
    ...options,
  });
  try {
    expect(connections.size).toBe(1);
    const [db] = [...connections] as [Database.Database];
    return {
      synchronous: db.pragma('synchronous', { simple: true }) as number,
      journalMode: db.pragma('journal_mode', { simple: true }) as string,
      busyTimeout: db.pragma('busy_timeout', { simple: true }) as number,
    };
  } finally {
    await storage.close();
  }
}

describe('SqliteStorage durability defaults', () => {
  it('opens a file with synchronous FULL, WAL and a 5 s busy timeout', async () => {
    expect(await pragmasOf({})).toEqual({
      synchronous: 2, // FULL
      journalMode: 'wal',
      busyTimeout: 5_000,
    });
  });

  it("applies synchronous: 'normal' and busyTimeoutMs when given", async () => {
    expect(
      await pragmasOf({ synchronous: 'normal', busyTimeoutMs: 250 }),
    ).toEqual({ synchronous: 1, journalMode: 'wal', busyTimeout: 250 });
  });
});
