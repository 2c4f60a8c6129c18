import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import type { StorageAdapter } from '../../../src/storage/types.js';
import { describeStorageAdapter } from '../../../src/testing/index.js';
import { damage, savepoint } from '../../../src/testing/fixture.js';

/** Flip the last byte of every blob of a live savepoint, through `db`. */
function corruptWith(db: Database.Database, runId: string, ts: number): void {
  const rows = db
    .prepare(
      `SELECT e.id, e.state FROM runstate_entity_states e
       JOIN runstate_savepoints s ON s.id = e.savepoint_id
       WHERE s.run_id = ? AND s.timestamp = ? AND s.quarantined = 0`,
    )
    .all(runId, ts) as { id: number; state: Buffer }[];
  const update = db.prepare(
    'UPDATE runstate_entity_states SET state = ? WHERE id = ?',
  );
  for (const { id, state } of rows) update.run(damage(state), id);
}

async function closeAll(handles: StorageAdapter[]): Promise<void> {
  await Promise.all(handles.map((h) => h.close()));
}

// The conformance suite lists these as skipped; say why in the run's output.
console.info(
  'SqliteStorage (path :memory:): capability tests "reopen" and "readOnly" ' +
    'skipped: an in-memory database lives in its one connection (the file ' +
    'and caller-owned suites run them).',
);
describeStorageAdapter('SqliteStorage (path :memory:)', async () => {
  const storage = await SqliteStorage.open({ path: ':memory:' });
  return { storage, cleanup: () => storage.close() };
});

describeStorageAdapter(
  'SqliteStorage (file)',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-sqlite-'));
    const path = join(dir, 'state.db');
    const handles: StorageAdapter[] = [await SqliteStorage.open({ path })];
    return {
      storage: handles[0] as StorageAdapter,
      reopen: async ({ readOnly }) => {
        handles.push(await SqliteStorage.open({ path, readOnly }));
        return handles.at(-1) as StorageAdapter;
      },
      corrupt: (runId, ts) => {
        const db = new Database(path);
        try {
          corruptWith(db, runId, ts);
        } finally {
          db.close();
        }
        return Promise.resolve();
      },
      cleanup: async () => {
        await closeAll(handles);
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  {
    capabilities: {
      reopen: true,
      readOnly: true,
      replace: true,
      quarantine: true,
    },
  },
);

describeStorageAdapter(
  'SqliteStorage (caller-owned Database)',
  async () => {
    const db = new Database(':memory:');
    const handles: StorageAdapter[] = [
      await SqliteStorage.open({ database: db }),
    ];
    return {
      storage: handles[0] as StorageAdapter,
      reopen: async ({ readOnly }) => {
        handles.push(await SqliteStorage.open({ database: db, readOnly }));
        return handles.at(-1) as StorageAdapter;
      },
      corrupt: (runId, ts) => Promise.resolve(corruptWith(db, runId, ts)),
      cleanup: async () => {
        await closeAll(handles);
        db.close();
      },
    };
  },
  {
    capabilities: {
      reopen: true,
      readOnly: true,
      replace: true,
      quarantine: true,
    },
  },
);

describe('SqliteStorage on a file', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runstate-sqlite-'));
    path = join(dir, 'state.db');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sees every run and savepoint after closing and reopening', async () => {
    const first = await SqliteStorage.open({ path });
    await first.initRun('empty');
    await first.writeSavepoint('r', savepoint(1, { a: [1] }), { keep: 2 });
    await first.writeSavepoint('r', savepoint(2, { a: [2] }), { keep: 2 });
    await first.close();
    const second = await SqliteStorage.open({ path });
    expect(await second.listRuns()).toEqual(['empty', 'r']);
    expect(await second.listSavepoints('r')).toEqual([1, 2]);
    expect((await second.readSavepoint('r'))?.entries).toEqual([
      ['a', Buffer.from([2])],
    ]);
    await second.close();
  });

  it('uses WAL journal mode and creates the documented tables', async () => {
    const storage = await SqliteStorage.open({ path });
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      )
      .pluck()
      .all();
    expect(tables).toEqual([
      'runstate_entity_states',
      'runstate_meta',
      'runstate_runs',
      'runstate_savepoints',
    ]);
    expect(
      db
        .prepare("SELECT value FROM runstate_meta WHERE key = 'schema_version'")
        .pluck()
        .get(),
    ).toBe('2');
    db.close();
    await storage.close();
  });

  it('refuses a newer schema_version with E_SCHEMA_VERSION, writable or read-only', async () => {
    await (await SqliteStorage.open({ path })).close();
    const db = new Database(path);
    db.exec(
      "UPDATE runstate_meta SET value = '3' WHERE key = 'schema_version'",
    );
    db.close();
    const expected = {
      code: 'E_SCHEMA_VERSION',
      details: { found: 3, supported: 2 },
    };
    await expect(SqliteStorage.open({ path })).rejects.toMatchObject(expected);
    await expect(
      SqliteStorage.open({ path, readOnly: true }),
    ).rejects.toMatchObject(expected);
  });

  it('surfaces a driver error as E_STORAGE with the SQLITE_* error as cause', async () => {
    const storage = await SqliteStorage.open({ path, busyTimeoutMs: 0 });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const error: unknown = await storage
      .writeSavepoint('r', savepoint(1), { keep: 1 })
      .catch((e: unknown) => e);
    other.exec('ROLLBACK');
    other.close();
    expect(error).toMatchObject({
      name: 'RunStateError',
      code: 'E_STORAGE',
      details: { runId: 'r', timestamp: 1 },
      cause: { code: expect.stringMatching(/^SQLITE_BUSY/) as unknown },
    });
    await storage.writeSavepoint('r', savepoint(1), { keep: 1 });
    expect(await storage.listSavepoints('r')).toEqual([1]);
    await storage.close();
  });

  it('keeps a quarantined savepoint in the table until its run is deleted', async () => {
    const storage = await SqliteStorage.open({ path });
    await storage.writeSavepoint('r', savepoint(1, { a: [1], b: [2] }), {
      keep: 2,
    });
    const before = Date.now();
    await storage.quarantineSavepoint('r', 1);
    const db = new Database(path, { readonly: true });
    const rows = () =>
      db
        .prepare(
          'SELECT s.timestamp, s.quarantined, count(e.id) AS states FROM runstate_savepoints s LEFT JOIN runstate_entity_states e ON e.savepoint_id = s.id GROUP BY s.id',
        )
        .all();
    // `quarantined` holds when it was quarantined (epoch ms).
    const [row] = rows() as { quarantined: number }[];
    expect(row).toEqual({
      timestamp: 1,
      quarantined: expect.any(Number) as number,
      states: 2,
    });
    expect(row!.quarantined).toBeGreaterThanOrEqual(before);
    await storage.deleteRun('r');
    expect(rows()).toEqual([]);
    db.close();
    await storage.close();
  });

  it('deletes the entity rows of pruned savepoints', async () => {
    const storage = await SqliteStorage.open({ path });
    for (let ts = 1; ts <= 4; ts++) {
      await storage.writeSavepoint('r', savepoint(ts, { a: [1], b: [2] }), {
        keep: 2,
      });
    }
    const db = new Database(path, { readonly: true });
    const count = db
      .prepare('SELECT count(*) FROM runstate_entity_states')
      .pluck()
      .get();
    expect(count).toBe(4);
    db.close();
    await storage.close();
  });

  it('reports a savepoint with missing entity rows as E_CORRUPTED', async () => {
    const storage = await SqliteStorage.open({ path });
    await storage.writeSavepoint('r', savepoint(1, { a: [1], b: [2] }), {
      keep: 2,
    });
    const db = new Database(path);
    db.exec("DELETE FROM runstate_entity_states WHERE entity_id = 'b'");
    db.close();
    await expect(storage.readSavepoint('r')).rejects.toMatchObject({
      code: 'E_CORRUPTED',
      details: { runId: 'r', timestamp: 1, entityCount: 2, rows: 1 },
    });
    await storage.close();
  });
});
