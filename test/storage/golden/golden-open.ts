/**
 * Opening each golden fixture with today's code: a copy of the SQLite file
 * and of the file directories (so the committed fixture never changes), the
 * Postgres dump restored into a fresh schema, the Redis dump under a fresh
 * prefix. Each opener returns the storage and a cleanup.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import { FileStorage } from '../../../src/storage/file/index.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { RedisStorage } from '../../../src/storage/redis/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import type { StorageAdapter } from '../../../src/storage/index.js';
import {
  restorePostgres,
  restoreRedis,
  type RedisDump,
} from '../../fixtures/golden/golden-dump.js';

/** A golden store opened by today's code. */
export interface OpenedGolden {
  readonly storage: StorageAdapter;
  readonly cleanup: () => Promise<void>;
}

/** The directory of one fixture generation (`v1`: schema 1, format 1). */
export const goldenDir = (generation: string): string =>
  join(
    dirname(fileURLToPath(import.meta.url)),
    '../../fixtures/golden',
    generation,
  );

async function tempCopy(from: string, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'runstate-golden-'));
  await cp(from, join(dir, name), { recursive: true });
  return dir;
}

/** The SQLite fixture, copied. */
export async function openSqlite(generation: string): Promise<OpenedGolden> {
  const dir = await tempCopy(
    join(goldenDir(generation), 'golden.sqlite'),
    'golden.sqlite',
  );
  const storage = await SqliteStorage.open({
    path: join(dir, 'golden.sqlite'),
  });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A file-storage fixture directory (`file` or `file-gzip`), copied. */
export async function openFile(
  generation: string,
  name: string,
): Promise<OpenedGolden> {
  const dir = await tempCopy(join(goldenDir(generation), name), name);
  const storage = await FileStorage.open({ directory: join(dir, name) });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The Postgres dump, restored into a fresh schema. */
export async function openPostgres(
  generation: string,
  url: string,
): Promise<OpenedGolden> {
  const schema = `runstate_golden_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url });
  const sql = await readFile(
    join(goldenDir(generation), 'postgres.sql'),
    'utf8',
  );
  await restorePostgres(admin, sql, schema);
  const storage = await PostgresStorage.open({ connectionString: url, schema });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** The Redis dump, restored under a fresh prefix. */
export async function openRedis(
  generation: string,
  url: string,
): Promise<OpenedGolden> {
  const prefix = `runstate-golden:${randomBytes(6).toString('hex')}:`;
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  const dump = JSON.parse(
    await readFile(join(goldenDir(generation), 'redis.json'), 'utf8'),
  ) as RedisDump;
  await restoreRedis(client, dump, prefix);
  const storage = await RedisStorage.open({ client, prefix });
  return {
    storage,
    cleanup: async () => {
      await storage.close();
      const keys = dump.keys.map((k) => prefix + k.key);
      if (keys.length > 0) await client.del(keys);
      await client.close();
    },
  };
}
