/**
 * Savepoints written by another process (`other-process-writer.ts`) through a
 * StateStore are read back here, after that process exited, by a new storage
 * instance opened read-only: the newest savepoint's exact states, the `keep`
 * newest savepoints, and E_READ_ONLY for every write, with nothing changed.
 *
 * SQLite and FileStorage always run; Postgres needs RUNSTATE_PG_URL and Redis
 * RUNSTATE_REDIS_URL (each skipped loudly when unset).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import {
  RunStateError,
  createStateStore,
  defaultCodec,
  type StorageAdapter,
} from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { RedisStorage } from '../../src/storage/redis/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { tsChildArgs } from '../support/ts-child.js';

const PG_URL = process.env.RUNSTATE_PG_URL;
const REDIS_URL = process.env.RUNSTATE_REDIS_URL;

if (PG_URL === undefined) {
  console.warn(
    '\n*** POSTGRES OTHER-PROCESS TEST SKIPPED: RUNSTATE_PG_URL is not set. ***\n' +
      '*** Run it with RUNSTATE_PG_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run test/storage/other-process.test.ts\n',
  );
}
if (REDIS_URL === undefined) {
  console.warn(
    '\n*** REDIS OTHER-PROCESS TEST SKIPPED: RUNSTATE_REDIS_URL is not set. ***\n' +
      '*** Run it with RUNSTATE_REDIS_URL=redis://127.0.0.1:6379 npx vitest run test/storage/other-process.test.ts\n',
  );
}

const WRITER = fileURLToPath(
  new URL('./other-process-writer.ts', import.meta.url),
);
/** How long the child may take (tsx compiles on a cold cache). */
const CHILD_TIMEOUT_MS = 30_000;
/** Per test: the child, plus opening, checking and cleaning up here. */
const TEST_TIMEOUT_MS = 60_000;

const RUN_ID = 'other-process-run';
const SCHEDULE = 60_000;
const KEEP = 2;
const START = 10_000;
const IDS = ['alpha', 'beta', 'gamma', 'δέλτα'];
const SAVEPOINTS = [60_000, 120_000, 180_000, 240_000];
const NEWEST = SAVEPOINTS.at(-1) as number;

/** The state each entity saves for savepoint `t` (as the writer does). */
const stateAt = (id: string, savepoint: number) => ({
  id,
  savepoint,
  label: `${id}@${savepoint}`,
});

type Backend =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      readonly connectionString: string;
      readonly schema: string;
    }
  | { readonly kind: 'redis'; readonly url: string; readonly prefix: string }
  | { readonly kind: 'file'; readonly directory: string };

/** Run the writer to completion; fails unless it exits 0 and said `done`. */
async function runWriter(backend: Backend): Promise<void> {
  const plan = {
    backend,
    runId: RUN_ID,
    schedule: SCHEDULE,
    keep: KEEP,
    start: START,
    ids: IDS,
    savepoints: SAVEPOINTS,
  };
  const child = spawn(
    process.execPath,
    tsChildArgs(WRITER, JSON.stringify(plan)),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const { code, signal } = await new Promise<{
    code: number | null;
    signal: string | null;
  }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `writer did not exit within ${CHILD_TIMEOUT_MS} ms: ${stderr}${stdout}`,
        ),
      );
    }, CHILD_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (exitCode, exitSignal) => {
      clearTimeout(timer);
      resolve({ code: exitCode, signal: exitSignal });
    });
  });
  expect(
    { code, signal, stdout, stderr },
    `writer failed (code ${code}, signal ${signal})`,
  ).toEqual({ code: 0, signal: null, stdout: `done ${NEWEST}\n`, stderr: '' });
}

/** Everything a reader can see of the run, decoded. */
async function snapshot(storage: StorageAdapter) {
  const savepoints = await storage.listSavepoints(RUN_ID);
  const contents = await Promise.all(
    savepoints.map(async (ts) => {
      const sp = await storage.readSavepoint(RUN_ID, ts);
      const entries = (sp?.entries ?? []).map(
        ([id, bytes]) => [id, defaultCodec.decode(bytes)] as const,
      );
      return [
        sp?.timestamp,
        entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ] as const;
    }),
  );
  return {
    runs: await storage.listRuns(),
    initialized: await storage.isInitialized(RUN_ID),
    newest: await storage.newestTimestamp(RUN_ID),
    savepoints,
    contents,
  };
}

/** Expected states of savepoint `t`, sorted by id. */
const statesAt = (t: number) =>
  [...IDS]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((id) => [id, stateAt(id, t)] as const);

/** The checks on a read-only storage opened after the writer exited. */
async function checkReadOnly(reader: StorageAdapter): Promise<void> {
  expect(reader.readOnly).toBe(true);

  // A StateStore over the read-only storage resumes from the newest savepoint.
  const store = createStateStore({
    runId: RUN_ID,
    schedule: SCHEDULE,
    storage: reader,
    keep: KEEP,
    onError: (error) => {
      throw error;
    },
  });
  const loaded = await store.loadRunState();
  expect(loaded.timestamp).toBe(NEWEST);
  expect(loaded.skipped).toEqual([]);
  expect(
    new Map(loaded.entities.map((entity) => [entity.id, entity.state])),
  ).toEqual(new Map(IDS.map((id) => [id, stateAt(id, NEWEST)])));
  await store.close();

  const before = await snapshot(reader);
  const kept = SAVEPOINTS.slice(-KEEP);
  expect(before).toEqual({
    runs: [RUN_ID],
    initialized: true,
    newest: NEWEST,
    savepoints: kept,
    contents: kept.map((t) => [t, statesAt(t)]),
  });

  const writes: [string, () => Promise<unknown>][] = [
    ['initRun', () => reader.initRun(RUN_ID)],
    ['initRun (new run)', () => reader.initRun('another-run')],
    [
      'writeSavepoint',
      () =>
        reader.writeSavepoint(
          RUN_ID,
          {
            timestamp: NEWEST + SCHEDULE,
            entries: [['alpha', defaultCodec.encode(stateAt('alpha', 0))]],
          },
          { keep: KEEP },
        ),
    ],
    ['prune', () => reader.prune(RUN_ID, 1)],
    ['quarantineSavepoint', () => reader.quarantineSavepoint(RUN_ID, NEWEST)],
    ['deleteRun', () => reader.deleteRun(RUN_ID)],
  ];
  for (const [name, write] of writes) {
    const error: unknown = await write().then(
      () => new Error(`${name} resolved on a read-only storage`),
      (reason: unknown) => reason,
    );
    expect(error, name).toBeInstanceOf(RunStateError);
    expect((error as RunStateError).code, name).toBe('E_READ_ONLY');
  }

  expect(await snapshot(reader)).toEqual(before);
}

describe('savepoints written by another process, read back read-only', () => {
  it(
    'SqliteStorage',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'runstate-other-process-'));
      try {
        const path = join(dir, 'state.db');
        await runWriter({ kind: 'sqlite', path });
        const reader = await SqliteStorage.open({ path, readOnly: true });
        try {
          await checkReadOnly(reader);
        } finally {
          await reader.close();
        }
        // What the read-only instance saw is what a writable one sees.
        const writable = await SqliteStorage.open({ path });
        expect(await writable.listSavepoints(RUN_ID)).toEqual(
          SAVEPOINTS.slice(-KEEP),
        );
        await writable.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'FileStorage',
    async () => {
      const directory = await mkdtemp(join(tmpdir(), 'runstate-other-file-'));
      try {
        await runWriter({ kind: 'file', directory });
        const reader = await FileStorage.open({ directory, readOnly: true });
        try {
          await checkReadOnly(reader);
        } finally {
          await reader.close();
        }
        // The writer released its lock on close: a new writer may open.
        const writable = await FileStorage.open({ directory });
        await writable.initRun(RUN_ID);
        expect(await writable.listSavepoints(RUN_ID)).toEqual(
          SAVEPOINTS.slice(-KEEP),
        );
        await writable.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it.skipIf(PG_URL === undefined)(
    'PostgresStorage (RUNSTATE_PG_URL)',
    async () => {
      const connectionString = PG_URL ?? '';
      const schema = `runstate_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Pool({
        connectionString,
        application_name: 'runstate-test-admin',
      });
      admin.on('error', () => undefined);
      try {
        await runWriter({ kind: 'postgres', connectionString, schema });
        const reader = await PostgresStorage.open({
          connectionString,
          schema,
          readOnly: true,
        });
        try {
          await checkReadOnly(reader);
        } finally {
          await reader.close();
        }
        const rows = await admin.query(
          `SELECT timestamp::text AS ts FROM "${schema}".runstate_savepoints
           WHERE run_id = $1 ORDER BY timestamp`,
          [RUN_ID],
        );
        expect(rows.rows).toEqual(
          SAVEPOINTS.slice(-KEEP).map((t) => ({ ts: String(t) })),
        );
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it.skipIf(REDIS_URL === undefined)(
    'RedisStorage (RUNSTATE_REDIS_URL)',
    async () => {
      const url = REDIS_URL ?? '';
      const prefix = `runstate-test:${randomUUID()}:`;
      const admin = createClient({ url, disableOfflineQueue: true });
      admin.on('error', () => undefined);
      await admin.connect();
      const keysUnder = async (): Promise<string[]> => {
        const found: string[] = [];
        for await (const batch of admin.scanIterator({
          MATCH: `${prefix}*`,
        })) {
          found.push(...batch);
        }
        return found.sort();
      };
      try {
        await runWriter({ kind: 'redis', url, prefix });
        const keysBefore = await keysUnder();
        expect(keysBefore.length).toBeGreaterThan(0);
        const reader = await RedisStorage.open({
          url,
          prefix,
          readOnly: true,
        });
        try {
          await checkReadOnly(reader);
        } finally {
          await reader.close();
        }
        expect(await keysUnder()).toEqual(keysBefore);
      } finally {
        const keys = await keysUnder();
        if (keys.length > 0) await admin.del(keys);
        await admin.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
