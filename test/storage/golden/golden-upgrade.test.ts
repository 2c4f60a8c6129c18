/**
 * The schema upgrade of old stores in `open()` is idempotent and safe when
 * several openers start at once: SQLite from several processes at once,
 * Postgres from several pools at once, on the v1 golden fixtures.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { restorePostgres } from '../../fixtures/golden/golden-dump.js';
import { GOLDEN_RUNS } from '../../fixtures/golden/golden-data.js';
import { tsChildArgs } from '../../support/ts-child.js';
import { goldenDir } from './golden-open.js';

const PG_URL = process.env.RUNSTATE_PG_URL;

const OPEN_CHILD = join(
  dirname(fileURLToPath(import.meta.url)),
  'open-child.ts',
);

function runChild(script: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsChildArgs(script, path), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`)),
    );
  });
}

describe('upgrading a v1 store', () => {
  it('SQLite: four processes opening at once upgrade it once, losing nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-upgrade-'));
    try {
      const path = join(dir, 'golden.sqlite');
      await cp(join(goldenDir('v1'), 'golden.sqlite'), path);
      const outs = await Promise.all(
        [1, 2, 3, 4].map(() => runChild(OPEN_CHILD, path)),
      );
      const expected = GOLDEN_RUNS[0]!.savepoints.map((sp) => sp.timestamp);
      for (const out of outs) expect(JSON.parse(out)).toEqual(expected);
      const db = new Database(path, { readonly: true });
      const version = db
        .prepare("SELECT value FROM runstate_meta WHERE key = 'schema_version'")
        .pluck()
        .get();
      const columns = db
        .prepare("SELECT name FROM pragma_table_info('runstate_savepoints')")
        .pluck()
        .all();
      db.close();
      expect(version).toBe('2');
      expect(columns).toEqual(
        expect.arrayContaining(['app_version', 'metadata']),
      );
      const storage = await SqliteStorage.open({ path, readOnly: true });
      expect((await storage.readSavepoint('orders'))?.meta?.version).toBe(0);
      await storage.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  (PG_URL === undefined ? it.skip : it)(
    'Postgres: four pools opening at once upgrade it once, losing nothing',
    async () => {
      const admin = new pg.Pool({ connectionString: PG_URL });
      const schema = `runstate_upgrade_${randomBytes(6).toString('hex')}`;
      try {
        const sql = await readFile(
          join(goldenDir('v1'), 'postgres.sql'),
          'utf8',
        );
        await restorePostgres(admin, sql, schema);
        const storages = await Promise.all(
          [1, 2, 3, 4].map(() =>
            PostgresStorage.open({ connectionString: PG_URL!, schema }),
          ),
        );
        const expected = GOLDEN_RUNS[0]!.savepoints.map((sp) => sp.timestamp);
        for (const s of storages) {
          expect(await s.listSavepoints('orders')).toEqual(expected);
          await s.close();
        }
        const r = await admin.query(
          `SELECT value FROM "${schema}".runstate_meta WHERE key = 'schema_version'`,
        );
        expect(r.rows).toEqual([{ value: '2' }]);
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      }
    },
  );
});
