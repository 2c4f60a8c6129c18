/**
 * The backends the crash test runs against, one entry each: how the writer
 * (a child process) opens writable storage on a target, how the parent opens
 * a fresh read-only storage on it after each kill, and how the parent
 * creates, settles and removes a target. Shared by `crash-writer.ts` and the
 * harness, so both sides agree on what a target string means.
 *
 * A target is one string the child gets on its command line: a SQLite file
 * path, a Postgres schema, a Redis key prefix. Server URLs come from the
 * environment (`RUNSTATE_PG_URL`, `RUNSTATE_REDIS_URL`), which the child
 * inherits. Drivers are imported on demand, so a SQLite child never loads
 * `pg` or `redis`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StorageAdapter } from '../../../src/index.js';
import { PostgresStorage } from '../../../src/storage/postgres/index.js';
import { RedisStorage } from '../../../src/storage/redis/index.js';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { FileStorage } from '../../../src/storage/file/index.js';

/** One test's place on a backend, owned by the parent. */
export interface CrashTarget {
  /** What the child gets as its target argument. */
  readonly arg: string;
  /**
   * Resolve once the server is done with a killed writer's connections, so
   * whatever it sent before the kill has been applied or discarded.
   */
  settle(): Promise<void>;
  /** Delete everything the test wrote, and release the parent's handles. */
  remove(): Promise<void>;
}

/** A backend of the crash test. */
export interface CrashBackend {
  /** Names the backend on the child's command line and in messages. */
  readonly name: string;
  /** Names the backend in test titles. */
  readonly title: string;
  /** Kill cycles of one test run (`CRASH_CYCLES` overrides it). */
  readonly cycles: number;
  /**
   * Share of the kills that must land between a write's `begin` and `end`
   * (rounded down): the test only means something if they hit that window.
   */
  readonly minMidWriteShare: number;
  /**
   * Whether pruning follows the commit in a separate step (files), so a
   * crash between the two leaves one savepoint more than `keep` (the
   * contract's "old set plus the complete new one").
   */
  readonly pruneAfterCommit?: boolean;
  /** Why the backend cannot be tested here, or `undefined` when it can. */
  skipReason(): string | undefined;
  /** Parent: a fresh, unused target. */
  createTarget(): Promise<CrashTarget>;
  /** Child: writable storage on `target`. */
  openWritable(target: string): Promise<StorageAdapter>;
  /** Parent: a new read-only storage on `target`, for verification. */
  openReadOnly(target: string): Promise<StorageAdapter>;
}

/** The server URL in `variable`; throws when unset. */
function env(variable: string): string {
  const value = process.env[variable];
  if (value === undefined) throw new Error(`${variable} is not set`);
  return value;
}

const unset = (variable: string, example: string) => (): string | undefined =>
  process.env[variable] === undefined
    ? `${variable} is not set. Run it with ${variable}=${example}`
    : undefined;

/** Poll `done` every 10 ms for up to 10 s. */
async function until(what: string, done: () => Promise<boolean>) {
  for (let i = 0; i < 1000; i++) {
    if (await done()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The connection name of the writer on `target` (PG application_name). */
const writerName = (target: string): string =>
  `crash-writer-${target.replace(/\W/g, '')}`.slice(0, 63);

const sqlite: CrashBackend = {
  name: 'sqlite',
  title: 'SQLite',
  cycles: 50,
  minMidWriteShare: 0.1,
  skipReason: () => undefined,
  async createTarget() {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-crash-'));
    return {
      arg: join(dir, 'crash.sqlite'),
      // The writes of a dead process are all in the file already.
      settle: () => Promise.resolve(),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  },
  openWritable: (path) => SqliteStorage.open({ path }),
  openReadOnly: (path) => SqliteStorage.open({ path, readOnly: true }),
};

const postgres: CrashBackend = {
  name: 'postgres',
  title: 'Postgres',
  cycles: 30,
  minMidWriteShare: 0.3,
  skipReason: unset(
    'RUNSTATE_PG_URL',
    'postgres://postgres@127.0.0.1:5432/test',
  ),
  async createTarget() {
    const { default: pg } = await import('pg');
    const schema = `runstate_crash_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Pool({ connectionString: env('RUNSTATE_PG_URL') });
    admin.on('error', () => undefined);
    const writers = async () => {
      const r = await admin.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
        [writerName(schema)],
      );
      return (r.rows[0] as { n: number }).n;
    };
    return {
      arg: schema,
      // A backend whose client died still runs what it had received (a
      // COMMIT included) before it sees the end of the stream and exits.
      settle: () =>
        until(
          'the killed writer to disconnect',
          async () => (await writers()) === 0,
        ),
      async remove() {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      },
    };
  },
  async openWritable(schema) {
    const { default: pg } = await import('pg');
    // Named, so the parent can tell when the server has let go of it. Never
    // ended: the writer runs until it is killed.
    const pool = new pg.Pool({
      connectionString: env('RUNSTATE_PG_URL'),
      application_name: writerName(schema),
    });
    pool.on('error', () => undefined);
    return PostgresStorage.open({ pool, schema });
  },
  openReadOnly: (schema) =>
    PostgresStorage.open({
      connectionString: env('RUNSTATE_PG_URL'),
      schema,
      readOnly: true,
    }),
};

const redis: CrashBackend = {
  name: 'redis',
  title: 'Redis',
  cycles: 30,
  minMidWriteShare: 0.15,
  skipReason: unset('RUNSTATE_REDIS_URL', 'redis://127.0.0.1:6379'),
  async createTarget() {
    const { createClient } = await import('redis');
    const prefix = `runstate-crash:${randomBytes(6).toString('hex')}:`;
    const admin = createClient({ url: env('RUNSTATE_REDIS_URL') });
    admin.on('error', () => undefined);
    await admin.connect();
    const writers = async () =>
      (await admin.clientList()).filter((c) => c.name === writerName(prefix))
        .length;
    const keys = async () => {
      const found: string[] = [];
      for await (const batch of admin.scanIterator({ MATCH: `${prefix}*` })) {
        found.push(...batch);
      }
      return found;
    };
    return {
      arg: prefix,
      // Redis runs a script it has fully received even if the sender died.
      settle: () =>
        until(
          'the killed writer to disconnect',
          async () => (await writers()) === 0,
        ),
      async remove() {
        const found = await keys();
        if (found.length > 0) await admin.del(found);
        await admin.close();
      },
    };
  },
  async openWritable(prefix) {
    const { createClient } = await import('redis');
    const client = createClient({
      url: env('RUNSTATE_REDIS_URL'),
      name: writerName(prefix),
      disableOfflineQueue: true,
    });
    client.on('error', () => undefined);
    await client.connect();
    return RedisStorage.open({ client, prefix });
  },
  openReadOnly: (prefix) =>
    RedisStorage.open({
      url: env('RUNSTATE_REDIS_URL'),
      prefix,
      readOnly: true,
    }),
};

const file: CrashBackend = {
  name: 'file',
  title: 'File',
  cycles: 30,
  minMidWriteShare: 0.1,
  pruneAfterCommit: true,
  skipReason: () => undefined,
  async createTarget() {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-crash-file-'));
    return {
      arg: dir,
      // A dead process's renames and fsyncs are already on disk.
      settle: () => Promise.resolve(),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  },
  // The writer is SIGKILLed holding the run's lock; the next one takes it
  // over (the holder's pid is gone).
  openWritable: (directory) => FileStorage.open({ directory }),
  openReadOnly: (directory) => FileStorage.open({ directory, readOnly: true }),
};

/**
 * Every backend of the crash test, by name. `crash.test.ts` runs one
 * concurrent suite per entry, so adding a backend is adding an entry.
 */
export const BACKENDS = { sqlite, postgres, redis, file } as const;

/** A backend's name. */
export type BackendName = keyof typeof BACKENDS;

/** The backend called `name`; throws for an unknown name. */
export function backendNamed(name: string): CrashBackend {
  if (!Object.hasOwn(BACKENDS, name)) {
    throw new Error(
      `unknown backend ${name}: one of ${Object.keys(BACKENDS).join(', ')}`,
    );
  }
  return BACKENDS[name as BackendName];
}
