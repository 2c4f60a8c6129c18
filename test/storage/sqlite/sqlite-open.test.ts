import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SqliteStorage,
  type SqliteStorageOptions,
} from '../../../src/storage/sqlite/index.js';
import { savepoint } from '../../../src/testing/fixture.js';

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runstate-sqlite-'));
  path = join(dir, 'state.db');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SqliteStorage.open()', () => {
  const bad = (options: unknown) => options as SqliteStorageOptions;

  it.each([
    ['neither path nor database', bad({}), TypeError, /exactly one/],
    [
      'both path and database',
      bad({ path: ':memory:', database: {} }),
      TypeError,
      /exactly one/,
    ],
    ['an empty path', bad({ path: '' }), TypeError, /options\.path/],
    [
      'a database that is not one',
      bad({ database: {} }),
      TypeError,
      /options\.database/,
    ],
    [
      'synchronous off',
      bad({ path: ':memory:', synchronous: 'off' }),
      RangeError,
      /options\.synchronous/,
    ],
    [
      'a negative busyTimeoutMs',
      bad({ path: ':memory:', busyTimeoutMs: -1 }),
      RangeError,
      /options\.busyTimeoutMs/,
    ],
    [
      'a string readOnly',
      bad({ path: ':memory:', readOnly: 'no' }),
      TypeError,
      /options\.readOnly/,
    ],
    ['no options', bad(undefined), TypeError, /options/],
  ])('rejects %s, naming the option', async (_, options, error, message) => {
    const opening = SqliteStorage.open(options);
    await expect(opening).rejects.toThrow(error);
    await expect(opening).rejects.toThrow(message);
  });

  it('rejects a read-only open of a missing file with E_STORAGE (SQLITE_CANTOPEN)', async () => {
    await expect(
      SqliteStorage.open({ path, readOnly: true }),
    ).rejects.toMatchObject({
      code: 'E_STORAGE',
      cause: { code: 'SQLITE_CANTOPEN' },
    });
  });

  it('rejects a file that is not a database with E_STORAGE (SQLITE_NOTADB)', async () => {
    await writeFile(
      path,
      'this is not a SQLite database, not at all. '.repeat(50),
    );
    await expect(SqliteStorage.open({ path })).rejects.toMatchObject({
      code: 'E_STORAGE',
      cause: { code: 'SQLITE_NOTADB' },
    });
  });

  it('logs a debug message when it creates the schema, and none when it exists', async () => {
    const messages: [Readonly<Record<string, unknown>>, string][] = [];
    const record = (bindings: Readonly<Record<string, unknown>>, m: string) => {
      messages.push([bindings, m]);
    };
    const logger = { debug: record, info: record, warn: record, error: record };
    await (await SqliteStorage.open({ path, logger })).close();
    await (await SqliteStorage.open({ path, logger })).close();
    expect(messages).toEqual([
      [{ from: 0, to: 2 }, 'runstate SQLite schema created or upgraded'],
    ]);
  });

  it('does not load better-sqlite3 when the module is only imported', () => {
    const script = `
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(join(process.cwd(), 'src/storage/sqlite/index.ts'))});
      const require = createRequire(import.meta.url);
      const loaded = Object.keys(require.cache).some((k) => k.includes('better-sqlite3'));
      process.stdout.write(String(loaded));
    `;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('false');
  });
});

describe('SqliteStorage read-only', () => {
  const WRITES: [string, (s: SqliteStorage) => Promise<unknown>][] = [
    ['initRun', (s) => s.initRun('r')],
    ['writeSavepoint', (s) => s.writeSavepoint('r', savepoint(9), { keep: 1 })],
    ['prune', (s) => s.prune('r', 1)],
    ['quarantineSavepoint', (s) => s.quarantineSavepoint('r', 1)],
    ['deleteRun', (s) => s.deleteRun('r')],
  ];

  it.each(WRITES)('refuses %s with E_READ_ONLY', async (_, write) => {
    await (await SqliteStorage.open({ path })).close();
    const storage = await SqliteStorage.open({ path, readOnly: true });
    expect(storage.readOnly).toBe(true);
    await expect(write(storage)).rejects.toMatchObject({ code: 'E_READ_ONLY' });
    await storage.close();
  });

  it('reads what another connection wrote, before and after it opened', async () => {
    const writer = await SqliteStorage.open({ path });
    await writer.writeSavepoint('r', savepoint(1, { a: [1] }), { keep: 2 });
    const reader = await SqliteStorage.open({ path, readOnly: true });
    await writer.writeSavepoint('r', savepoint(2, { a: [2] }), { keep: 2 });
    expect(await reader.listSavepoints('r')).toEqual([1, 2]);
    expect((await reader.readSavepoint('r', 1))?.entries).toEqual([
      ['a', Buffer.from([1])],
    ]);
    await Promise.all([reader.close(), writer.close()]);
  });

  it('opens a database without runstate tables and reads it as empty, until they appear', async () => {
    const plain = new Database(path);
    plain.exec('CREATE TABLE app (x)');
    plain.close();
    const reader = await SqliteStorage.open({ path, readOnly: true });
    expect(await reader.listRuns()).toEqual([]);
    expect(await reader.readSavepoint('r')).toBeUndefined();
    expect(await reader.isInitialized('r')).toBe(false);
    const writer = await SqliteStorage.open({ path });
    await writer.writeSavepoint('r', savepoint(1), { keep: 1 });
    expect(await reader.listSavepoints('r')).toEqual([1]);
    await Promise.all([reader.close(), writer.close()]);
  });

  it('follows a read-only caller-owned Database', async () => {
    await (await SqliteStorage.open({ path })).close();
    const db = new Database(path, { readonly: true });
    const storage = await SqliteStorage.open({ database: db });
    expect(storage.readOnly).toBe(true);
    await storage.close();
    db.close();
  });
});

describe('SqliteStorage with a caller-owned Database', () => {
  it('leaves the Database open on close()', async () => {
    const db = new Database(':memory:');
    const storage = await SqliteStorage.open({ database: db });
    await storage.writeSavepoint('r', savepoint(1), { keep: 1 });
    await storage.close();
    expect(db.open).toBe(true);
    expect(
      db.prepare('SELECT count(*) FROM runstate_savepoints').pluck().get(),
    ).toBe(1);
    db.close();
  });

  it('applies synchronous and busyTimeoutMs only when given', async () => {
    const db = new Database(path);
    db.pragma('busy_timeout = 321');
    const before = db.pragma('synchronous', { simple: true });
    await (await SqliteStorage.open({ database: db })).close();
    expect(db.pragma('synchronous', { simple: true })).toBe(before);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(321);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    await (
      await SqliteStorage.open({
        database: db,
        synchronous: 'normal',
        busyTimeoutMs: 1234,
      })
    ).close();
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    db.close();
  });

  it('returns integers as numbers even when the Database defaults to bigint', async () => {
    const db = new Database(':memory:');
    db.defaultSafeIntegers(true);
    const storage = await SqliteStorage.open({ database: db });
    await storage.writeSavepoint('r', savepoint(60_000), { keep: 2 });
    expect(await storage.newestTimestamp('r')).toBe(60_000);
    expect((await storage.readSavepoint('r'))?.timestamp).toBe(60_000);
    await storage.close();
    db.close();
  });

  it('wraps a failure after the caller closed the Database as E_STORAGE', async () => {
    const db = new Database(':memory:');
    const storage = await SqliteStorage.open({ database: db });
    db.close();
    await expect(storage.listRuns()).rejects.toMatchObject({
      code: 'E_STORAGE',
      cause: { name: 'TypeError' },
    });
    await storage.close();
  });
});
