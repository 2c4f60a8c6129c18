/**
 * The five built-in backends of the contract probes, each as a fresh target
 * that can be opened more than once (another instance over the same data,
 * as another process would have it), plus its removal. Server URLs come
 * from `RUNSTATE_PG_URL` / `RUNSTATE_REDIS_URL`; without one, that backend
 * is skipped. Imports go through the package's public entry points only (their
 * `index.ts` files, as `runstate`, `runstate/sqlite`… map to them).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { MemoryStorage, type StorageAdapter } from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { RedisStorage } from '../../src/storage/redis/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { afterEach } from 'vitest';

export type BackendName = 'memory' | 'sqlite' | 'file' | 'postgres' | 'redis';

/** One fresh target of a backend. */
export interface Target {
  /** Open an instance (memory: the same one every time). */
  open(options?: { readOnly?: boolean }): Promise<StorageAdapter>;
}

/** A backend of the probes. */
export interface Backend {
  readonly name: BackendName;
  /** Why it cannot run here, if it cannot. */
  readonly skip: string | undefined;
  /** Notifications (`subscribeSavepoints`) rather than polling. */
  readonly notifies: boolean;
  /** A fresh target; everything it opened is closed and removed after the test. */
  create(): Target;
}

const PG_URL = process.env.RUNSTATE_PG_URL;
const REDIS_URL = process.env.RUNSTATE_REDIS_URL;
const hex = (): string => randomBytes(6).toString('hex');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    await c().catch(() => undefined);
  }
});

/** Register a cleanup run after the current test (last in, first out). */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(async () => {
    await fn();
  });
}

/** A target whose every opened instance is closed after the test. */
function tracked(
  open: (readOnly: boolean) => Promise<StorageAdapter>,
  remove: () => Promise<void> | void,
): Target {
  const opened: StorageAdapter[] = [];
  onCleanup(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
    await remove();
  });
  return {
    async open({ readOnly = false } = {}) {
      const s = await open(readOnly);
      opened.push(s);
      return s;
    },
  };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'runstate-contract-'));
}

export const BACKENDS: readonly Backend[] = [
  {
    name: 'memory',
    skip: undefined,
    notifies: false,
    create() {
      let shared: MemoryStorage | undefined;
      return tracked(
        (readOnly) =>
          Promise.resolve(
            readOnly
              ? new MemoryStorage({ readOnly })
              : (shared ??= new MemoryStorage()),
          ),
        () => undefined,
      );
    },
  },
  {
    name: 'sqlite',
    skip: undefined,
    notifies: false,
    create() {
      const dir = tempDir();
      const path = join(dir, 'db.sqlite');
      return tracked(
        (readOnly) => SqliteStorage.open({ path, readOnly }),
        () => rmSync(dir, { recursive: true, force: true }),
      );
    },
  },
  {
    name: 'file',
    skip: undefined,
    notifies: false,
    create() {
      const directory = tempDir();
      return tracked(
        (readOnly) => FileStorage.open({ directory, readOnly, fsync: false }),
        () => rmSync(directory, { recursive: true, force: true }),
      );
    },
  },
  {
    name: 'postgres',
    skip: PG_URL === undefined ? 'RUNSTATE_PG_URL is not set' : undefined,
    notifies: true,
    create() {
      const schema = `runstate_contract_${hex()}`;
      return tracked(
        (readOnly) =>
          PostgresStorage.open({ connectionString: PG_URL, schema, readOnly }),
        async () => {
          const admin = new pg.Pool({ connectionString: PG_URL });
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        },
      );
    },
  },
  {
    name: 'redis',
    skip: REDIS_URL === undefined ? 'RUNSTATE_REDIS_URL is not set' : undefined,
    notifies: true,
    create() {
      const prefix = `runstate-contract:${hex()}:`;
      return tracked(
        (readOnly) => RedisStorage.open({ url: REDIS_URL, prefix, readOnly }),
        async () => {
          const admin = createClient({ url: REDIS_URL });
          await admin.connect();
          for await (const keys of admin.scanIterator({
            MATCH: `${prefix}*`,
          })) {
            if (keys.length > 0) await admin.unlink(keys);
          }
          await admin.close();
        },
      );
    },
  },
];

/** The backends called `names`, in that order. */
export function backends(...names: BackendName[]): Backend[] {
  return names.map((n) => {
    const b = BACKENDS.find((x) => x.name === n);
    if (b === undefined) throw new Error(`no backend ${n}`);
    return b;
  });
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every 10 ms until it holds, or fail after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A savepoint of one entity `e` at `timestamp`. */
export const sp = (timestamp: number, byte = 1) => ({
  timestamp,
  entries: [['e', new Uint8Array([byte])] as const],
});
