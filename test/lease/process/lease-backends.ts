/**
 * The backends the lease process tests run on, each opened from one string
 * (a SQLite path, a Postgres schema, a Redis key prefix) so that a child
 * process can open the same target. Server URLs come from
 * `RUNSTATE_PG_URL` / `RUNSTATE_REDIS_URL`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import type { StorageAdapter } from '../../../src/index.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { RedisStorage } from '../../../src/storage/redis/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';

/** A backend of the lease process tests. */
export interface LeaseBackend {
  readonly name: 'sqlite' | 'postgres' | 'redis';
  /** Why it cannot run here, if it cannot. */
  readonly skip: string | undefined;
  /** A fresh target and its removal. */
  create(): { target: string; remove: () => Promise<void> };
  /** Open the target. */
  open(target: string): Promise<StorageAdapter>;
}

const hex = (): string => randomBytes(6).toString('hex');

export const BACKENDS: readonly LeaseBackend[] = [
  {
    name: 'sqlite',
    skip: undefined,
    create() {
      const dir = mkdtempSync(join(tmpdir(), 'runstate-lease-'));
      return {
        target: join(dir, 'lease.db'),
        remove: () =>
          Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      };
    },
    open: (path) => SqliteStorage.open({ path, busyTimeoutMs: 10_000 }),
  },
  {
    name: 'postgres',
    skip:
      process.env.RUNSTATE_PG_URL === undefined
        ? 'RUNSTATE_PG_URL is not set'
        : undefined,
    create() {
      const schema = `runstate_lease_${hex()}`;
      return {
        target: schema,
        async remove() {
          const admin = new pg.Pool({
            connectionString: process.env.RUNSTATE_PG_URL,
          });
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        },
      };
    },
    open: (schema) =>
      PostgresStorage.open({
        connectionString: process.env.RUNSTATE_PG_URL,
        schema,
      }),
  },
  {
    name: 'redis',
    skip:
      process.env.RUNSTATE_REDIS_URL === undefined
        ? 'RUNSTATE_REDIS_URL is not set'
        : undefined,
    create() {
      const prefix = `runstate-lease:${hex()}:`;
      return {
        target: prefix,
        async remove() {
          const admin = createClient({ url: process.env.RUNSTATE_REDIS_URL });
          await admin.connect();
          for await (const keys of admin.scanIterator({
            MATCH: `${prefix}*`,
          })) {
            if (keys.length > 0) await admin.unlink(keys);
          }
          await admin.close();
        },
      };
    },
    open: (prefix) =>
      RedisStorage.open({
        url: process.env.RUNSTATE_REDIS_URL,
        prefix,
      }),
  },
];

/** The backend called `name`. */
export function backendNamed(name: string): LeaseBackend {
  const found = BACKENDS.find((b) => b.name === name);
  if (found === undefined) throw new Error(`no backend ${name}`);
  return found;
}
