import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import type { StorageAdapter } from '../../../src/storage/types.js';
import { describeStorageAdapter } from '../../../src/testing/index.js';
import { bytes, plain, savepoint } from '../../../src/testing/fixture.js';

const url = process.env.RUNSTATE_PG_URL;

if (url === undefined) {
  console.warn(
    '\n*** POSTGRES TESTS SKIPPED: RUNSTATE_PG_URL is not set. ***\n' +
      '*** PostgresStorage is NOT tested in this run. Set it, e.g.\n' +
      '*** RUNSTATE_PG_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run test/storage/postgres.test.ts\n',
  );
}

const connectionString = url ?? '';
const describePg = url === undefined ? describe.skip : describe;

/** A fresh, unused schema name. */
function freshSchema(): string {
  return `runstate_test_${randomBytes(6).toString('hex')}`;
}

/** A pool with its own application_name and an 'error' listener. */
function newPool(applicationName = 'runstate-test'): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    application_name: applicationName,
  });
  pool.on('error', () => undefined);
  return pool;
}

let admin: pg.Pool;

async function dropSchema(schema: string): Promise<void> {
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

async function corrupt(schema: string, runId: string, ts: number) {
  await admin.query(
    `UPDATE "${schema}".runstate_entity_states e
     SET state = set_byte(e.state, length(e.state) - 1,
                          get_byte(e.state, length(e.state) - 1) # 255)
     FROM "${schema}".runstate_savepoints s
     WHERE s.id = e.savepoint_id AND s.run_id = $1 AND s.timestamp = $2
       AND NOT s.quarantined AND length(e.state) > 0`,
    [runId, ts],
  );
}

async function closeAll(handles: StorageAdapter[]): Promise<void> {
  await Promise.all(handles.map((h) => h.close()));
}

describePg('PostgresStorage (RUNSTATE_PG_URL)', () => {
  beforeAll(() => {
    admin = newPool('runstate-test-admin');
  });
  afterAll(async () => {
    await admin.end();
  });

  describeStorageAdapter(
    'PostgresStorage',
    async () => {
      const schema = freshSchema();
      const open = (readOnly = false) =>
        PostgresStorage.open({ connectionString, schema, readOnly });
      const handles: StorageAdapter[] = [await open()];
      return {
        storage: handles[0] as StorageAdapter,
        reopen: async ({ readOnly }) => {
          handles.push(await open(readOnly));
          return handles.at(-1) as StorageAdapter;
        },
        corrupt: (runId, ts) => corrupt(schema, runId, ts),
        cleanup: async () => {
          await closeAll(handles);
          await dropSchema(schema);
        },
      };
    },
    {
      capabilities: {
        reopen: true,
        readOnly: true,
        leases: true,
        listLeases: true,
        replace: true,
        quarantine: true,
        notifications: true,
      },
    },
  );

  // Found by the fuzz soak (soak/fuzz-lease-targets.ts): any value was
  // taken as a subscriber (and its notices would have thrown later).
  it('subscribeSavepoints refuses a subscriber without its methods', async () => {
    const schema = freshSchema();
    const storage = await PostgresStorage.open({ connectionString, schema });
    try {
      for (const bad of [null, 5, 'x', {}, { notice: () => undefined }]) {
        await expect(
          storage.subscribeSavepoints!(bad as never),
        ).rejects.toThrow(/^subscriber must be an object with notice/);
      }
    } finally {
      await storage.close();
      await dropSchema(schema);
    }
  });

  describe('PostgresStorage.open()', () => {
    it('creates the documented tables and schema_version 2', async () => {
      const schema = freshSchema();
      const storage = await PostgresStorage.open({ connectionString, schema });
      const tables = await admin.query(
        'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1',
        [schema],
      );
      expect(
        tables.rows.map((r: { tablename: string }) => r.tablename),
      ).toEqual([
        'runstate_entity_states',
        'runstate_leases',
        'runstate_meta',
        'runstate_runs',
        'runstate_savepoints',
      ]);
      const version = await admin.query(
        `SELECT value FROM "${schema}".runstate_meta WHERE key = 'schema_version'`,
      );
      expect(version.rows).toEqual([{ value: '2' }]);
      await storage.close();
      await dropSchema(schema);
    });

    it('lets four processes open the same new schema at once', async () => {
      const schema = freshSchema();
      const pools = [1, 2, 3, 4].map(() => newPool());
      const storages = await Promise.all(
        pools.map((pool) => PostgresStorage.open({ pool, schema })),
      );
      await storages[0]?.writeSavepoint('r', savepoint(1), { keep: 1 });
      for (const storage of storages) {
        expect(await storage.listSavepoints('r')).toEqual([1]);
      }
      await closeAll(storages);
      await Promise.all(pools.map((pool) => pool.end()));
      await dropSchema(schema);
    });

    it('refuses a newer schema_version with E_SCHEMA_VERSION, writable or read-only', async () => {
      const schema = freshSchema();
      await (await PostgresStorage.open({ connectionString, schema })).close();
      await admin.query(
        `UPDATE "${schema}".runstate_meta SET value = '3' WHERE key = 'schema_version'`,
      );
      const expected = {
        code: 'E_SCHEMA_VERSION',
        details: { found: 3, supported: 2 },
      };
      await expect(
        PostgresStorage.open({ connectionString, schema }),
      ).rejects.toMatchObject(expected);
      await expect(
        PostgresStorage.open({ connectionString, schema, readOnly: true }),
      ).rejects.toMatchObject(expected);
      await dropSchema(schema);
    });

    it('surfaces an unreachable server as E_STORAGE with the driver error as cause', async () => {
      await expect(
        PostgresStorage.open({
          connectionString: 'postgres://postgres@127.0.0.1:1/none',
        }),
      ).rejects.toMatchObject({
        code: 'E_STORAGE',
        cause: { code: 'ECONNREFUSED' },
      });
    });
  });

  describe('PostgresStorage ids', () => {
    it('stores ids with NUL and backslashes exactly, and plain ids as they are', async () => {
      const schema = freshSchema();
      const storage = await PostgresStorage.open({ connectionString, schema });
      const ids = ['a\\b', 'nul\u0000', '\\0', '\u0000', 'plain'];
      await storage.writeSavepoint(
        'run\u0000\\',
        { timestamp: 1, entries: ids.map((id, i) => [id, bytes(i)] as const) },
        { keep: 1 },
      );
      await storage.initRun('plain-run');
      expect(await storage.listRuns()).toEqual(['plain-run', 'run\u0000\\']);
      const read = await storage.readSavepoint('run\u0000\\');
      expect(new Map(read?.entries.map(([id, b]) => [id, [...b]]))).toEqual(
        new Map(ids.map((id, i) => [id, [i]])),
      );
      const stored = await admin.query(
        `SELECT run_id FROM "${schema}".runstate_runs ORDER BY run_id`,
      );
      expect(stored.rows).toEqual([
        { run_id: 'plain-run' },
        { run_id: 'run\\0\\\\' },
      ]);
      await storage.close();
      await dropSchema(schema);
    });
  });

  describe('PostgresStorage#close()', () => {
    it('does not end a pool the caller passed in', async () => {
      const schema = freshSchema();
      const pool = newPool();
      const storage = await PostgresStorage.open({ pool, schema });
      await storage.initRun('r');
      await storage.close();
      expect(pool.ended).toBe(false);
      const result = await pool.query('SELECT 1 AS one');
      expect(result.rows).toEqual([{ one: 1 }]);
      await pool.end();
      await dropSchema(schema);
    });

    it('waits for writes in flight before ending its pool', async () => {
      const schema = freshSchema();
      const storage = await PostgresStorage.open({ connectionString, schema });
      const writes = [1, 2, 3].map((ts) =>
        storage.writeSavepoint('r', savepoint(ts), { keep: 5 }),
      );
      await storage.close();
      await Promise.all(writes);
      const rows = await admin.query(
        `SELECT timestamp FROM "${schema}".runstate_savepoints ORDER BY 1`,
      );
      expect(rows.rows).toEqual([
        { timestamp: '1' },
        { timestamp: '2' },
        { timestamp: '3' },
      ]);
      await dropSchema(schema);
    });
  });

  describe('PostgresStorage read-only', () => {
    it('refuses every write with E_READ_ONLY and reads what a writer wrote', async () => {
      const schema = freshSchema();
      const writer = await PostgresStorage.open({ connectionString, schema });
      const reader = await PostgresStorage.open({
        connectionString,
        schema,
        readOnly: true,
      });
      expect(reader.readOnly).toBe(true);
      await writer.writeSavepoint('r', savepoint(1, { a: [7] }), { keep: 2 });
      const writes = [
        reader.initRun('r'),
        reader.writeSavepoint('r', savepoint(2), { keep: 2 }),
        reader.prune('r', 1),
        reader.quarantineSavepoint('r', 1),
        reader.deleteRun('r'),
      ];
      for (const write of writes) {
        await expect(write).rejects.toMatchObject({ code: 'E_READ_ONLY' });
      }
      expect(plain(await reader.readSavepoint('r'))).toEqual([['a', [7]]]);
      expect(await reader.listRuns()).toEqual(['r']);
      await closeAll([writer, reader]);
      await dropSchema(schema);
    });

    it('opens a schema without runstate tables and reads it as empty', async () => {
      const schema = freshSchema();
      const reader = await PostgresStorage.open({
        connectionString,
        schema,
        readOnly: true,
      });
      expect(await reader.listRuns()).toEqual([]);
      expect(await reader.readSavepoint('r')).toBeUndefined();
      const writer = await PostgresStorage.open({ connectionString, schema });
      await writer.writeSavepoint('r', savepoint(3), { keep: 1 });
      expect(await reader.listSavepoints('r')).toEqual([3]);
      await closeAll([writer, reader]);
      await dropSchema(schema);
    });
  });

  describe('PostgresStorage with a lost connection', () => {
    let schema: string;
    let appName: string;
    let pool: pg.Pool;
    let storage: PostgresStorage;

    beforeAll(async () => {
      schema = freshSchema();
      appName = `runstate-test-${randomBytes(4).toString('hex')}`;
      pool = newPool(appName);
      storage = await PostgresStorage.open({ pool, schema });
    });
    afterAll(async () => {
      await storage.close();
      await pool.end();
      await dropSchema(schema);
    });

    /** Poll until a backend of our pool matches `condition`; its pid. */
    async function findBackend(condition: string): Promise<number> {
      for (let i = 0; i < 200; i++) {
        const found = await admin.query(
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND ${condition}`,
          [appName],
        );
        const row = found.rows[0] as { pid: number } | undefined;
        if (row !== undefined) return row.pid;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no backend of ${appName} where ${condition}`);
    }

    it('fails a write whose backend is terminated with E_STORAGE, keeps what was persisted, and writes again', async () => {
      await storage.writeSavepoint('r', savepoint(1, { a: [1] }), { keep: 5 });
      // Hold the run's row so the next write blocks inside its transaction.
      const blocker = await admin.connect();
      await blocker.query('BEGIN');
      await blocker.query(
        `SELECT 1 FROM "${schema}".runstate_runs WHERE run_id = 'r' FOR UPDATE`,
      );
      const write = storage
        .writeSavepoint('r', savepoint(2, { a: [2] }), { keep: 5 })
        .catch((error: unknown) => error);
      const pid = await findBackend("wait_event_type = 'Lock'");
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const error = await write;
      await blocker.query('ROLLBACK');
      blocker.release();
      expect(error).toMatchObject({
        name: 'RunStateError',
        code: 'E_STORAGE',
        details: { runId: 'r', timestamp: 2 },
        cause: { code: '57P01' },
      });
      expect(await storage.listSavepoints('r')).toEqual([1]);
      await storage.writeSavepoint('r', savepoint(2, { a: [2] }), { keep: 5 });
      expect(await storage.listSavepoints('r')).toEqual([1, 2]);
      expect(plain(await storage.readSavepoint('r'))).toEqual([['a', [2]]]);
    });

    it('writes again after its idle connections are terminated between writes', async () => {
      await storage.writeSavepoint('idle', savepoint(1), { keep: 5 });
      const lost = new Promise((resolve) => pool.once('error', resolve));
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [appName],
      );
      await lost;
      await storage.writeSavepoint('idle', savepoint(2), { keep: 5 });
      expect(await storage.listSavepoints('idle')).toEqual([1, 2]);
    });
  });

  describe('PostgresStorage with concurrent writers', () => {
    it('lets exactly one of two writers racing the same timestamp succeed', async () => {
      const schema = freshSchema();
      const a = await PostgresStorage.open({ connectionString, schema });
      const b = await PostgresStorage.open({ connectionString, schema });
      for (let ts = 1; ts <= 20; ts++) {
        const results = await Promise.allSettled([
          a.writeSavepoint('r', savepoint(ts, { x: [1], y: [2] }), {
            keep: 100,
          }),
          b.writeSavepoint('r', savepoint(ts, { x: [3], y: [4] }), {
            keep: 100,
          }),
        ]);
        const failed = results.filter((r) => r.status === 'rejected');
        expect(failed).toHaveLength(1);
        expect((failed[0] as PromiseRejectedResult).reason).toMatchObject({
          code: 'E_NOT_MONOTONIC',
          details: { runId: 'r', timestamp: ts, newest: ts },
        });
      }
      const counts = await admin.query(
        `SELECT count(*)::int AS savepoints,
                count(DISTINCT timestamp)::int AS timestamps,
                (SELECT count(*)::int FROM "${schema}".runstate_entity_states) AS states
         FROM "${schema}".runstate_savepoints WHERE run_id = 'r'`,
      );
      expect(counts.rows).toEqual([
        { savepoints: 20, timestamps: 20, states: 40 },
      ]);
      await closeAll([a, b]);
      await dropSchema(schema);
    });
  });
});
