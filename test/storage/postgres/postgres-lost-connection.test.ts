/**
 * A backend terminated between two statements of a write (issue 11, defect
 * 3): pg reports the server's error (SQLSTATE 57P01) only as the client's
 * `'error'` event, and the next statement fails with a generic "not
 * queryable" error. The write's `E_STORAGE` must keep the server's error as
 * `cause`, as docs/storage-postgres.md promises.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PostgresStorage,
  type PgPool,
  type PgPoolClient,
} from '../../../src/storage/postgres/index.js';
import { savepoint } from '../../../src/testing/fixture.js';

const url = process.env.RUNSTATE_PG_URL;
if (url === undefined) {
  console.warn(
    '\n*** POSTGRES TESTS SKIPPED: RUNSTATE_PG_URL is not set (postgres-lost-connection). ***\n',
  );
}
const describePg = url === undefined ? describe.skip : describe;

/**
 * A pool whose next checked-out client, once a statement that `after`
 * matches has completed, has its backend terminated by `admin` and waits for the
 * client's `'error'` event before going on: the termination falls between
 * two statements, deterministically.
 */
function terminatingPool(real: pg.Pool, admin: pg.Pool) {
  let after: RegExp | undefined;
  const pool: PgPool = {
    query: (text, values) => real.query(text, values),
    end: () => real.end(),
    async connect(): Promise<PgPoolClient> {
      const client = await real.connect();
      const statement = after;
      if (statement === undefined) return client;
      after = undefined;
      const query = client.query.bind(client) as (
        ...args: unknown[]
      ) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const result = query(...args);
        const text = args[0];
        if (typeof text !== 'string' || !statement.test(text)) return result;
        return (result as Promise<unknown>).then(async (value) => {
          const lost = new Promise((resolve) => client.once('error', resolve));
          const pid = (client as unknown as { processID: number }).processID;
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          await lost;
          return value;
        });
      };
      return client;
    },
  };
  return {
    pool,
    /** Terminate the next transaction's backend after `statement`. */
    arm: (statement: RegExp) => {
      after = statement;
    },
  };
}

describePg('PostgresStorage: a backend terminated between statements', () => {
  const connectionString = url ?? '';
  let admin: pg.Pool;
  let real: pg.Pool;
  let schema: string;

  beforeEach(() => {
    admin = new pg.Pool({ connectionString });
    real = new pg.Pool({ connectionString });
    real.on('error', () => undefined);
    schema = `runstate_test_${randomBytes(6).toString('hex')}`;
  });
  afterEach(async () => {
    await real.end();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it.each([
    ['BEGIN', /^BEGIN$/],
    ['locking the run', /FOR UPDATE$/],
    ['inserting the savepoint row', /^INSERT INTO .*runstate_savepoints/],
  ])(
    'keeps the server error (57P01) as the cause when terminated after %s',
    async (_, statement) => {
      const { pool, arm } = terminatingPool(real, admin);
      await using storage = await PostgresStorage.open({ pool, schema });
      await storage.writeSavepoint('r', savepoint(1), { keep: 5 });
      arm(statement);
      const error: unknown = await storage
        .writeSavepoint('r', savepoint(2), { keep: 5 })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'RunStateError',
        code: 'E_STORAGE',
        details: { runId: 'r', timestamp: 2 },
        cause: { code: '57P01' },
      });
      expect(await storage.listSavepoints('r')).toEqual([1]);
      await storage.writeSavepoint('r', savepoint(2), { keep: 5 });
      expect(await storage.listSavepoints('r')).toEqual([1, 2]);
    },
  );
});
