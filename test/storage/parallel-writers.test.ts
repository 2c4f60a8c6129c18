/**
 * Several processes persisting at the same time into one database: four
 * children (`parallel-writer.ts`), each with its own run, write
 * SAVEPOINTS savepoints each into one SQLite file (default options: WAL,
 * busy timeout) and into one Postgres schema (when RUNSTATE_PG_URL is set).
 * No lock contention (`SQLITE_BUSY`, serialization failure) may reach a
 * caller, and afterwards every run holds exactly its newest KEEP savepoints,
 * complete and decodable, with the states its writer filed.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  createStateStore,
  defaultCodec,
  type RunStateError,
  type StorageAdapter,
} from '../../src/index.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import {
  KEEP,
  SAVEPOINTS,
  SCHEDULE,
  START,
  entityIds,
  expectedState,
} from './parallel-writer-model.js';
import { tsChildArgs } from '../support/ts-child.js';

const WRITER = fileURLToPath(new URL('./parallel-writer.ts', import.meta.url));
const WRITERS = 4;
/** How long the children may take to start (tsx compiles on a cold cache). */
const READY_TIMEOUT_MS = 20_000;
/** How long the children may take from the start signal to their exit. */
const RUN_TIMEOUT_MS = 20_000;
const TEST_TIMEOUT_MS = 45_000;

const url = process.env.RUNSTATE_PG_URL;
if (url === undefined) {
  console.warn(
    '\n*** POSTGRES PARALLEL-WRITERS TEST SKIPPED: RUNSTATE_PG_URL is not set. ***\n' +
      '*** Concurrent PostgresStorage writers are NOT tested in this run. Set it, e.g.\n' +
      '*** RUNSTATE_PG_URL=postgres://postgres@127.0.0.1:5432/test npx vitest run test/storage/parallel-writers.test.ts\n',
  );
}

interface Summary {
  readonly persisted: number;
  readonly errors: readonly string[];
  /** Wall-clock ms around the child's savepoint loop. */
  readonly writingFrom: number;
  readonly writingUntil: number;
  /** Wall-clock ms when it reached the middle barrier and left it. */
  readonly arrivedAt: number;
  readonly releasedAt: number;
}

interface ChildResult {
  readonly runId: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One running child, with promises for its `ready` line and its exit. */
function startWriter(args: readonly string[], runId: string, goFile: string) {
  const child = spawn(
    process.execPath,
    tsChildArgs(WRITER, ...args, runId, goFile, String(WRITERS)),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ChildResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ runId, code, signal, stdout, stderr }),
    );
  });
  return { child, ready, exited };
}

/** Reject after `ms` unless `promise` settles first. */
async function within<T>(promise: Promise<T>, ms: number, what: string) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: timed out after ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Start WRITERS children on `args`, release them together once all are
 * ready, and return their results. Children still running on a timeout are
 * killed.
 */
async function runWriters(
  dir: string,
  args: readonly string[],
  runIds: readonly string[],
): Promise<ChildResult[]> {
  const goFile = join(dir, `go-${randomBytes(4).toString('hex')}`);
  const writers = runIds.map((runId) => startWriter(args, runId, goFile));
  const exited = Promise.all(writers.map((w) => w.exited));
  try {
    // A child that exits before all are ready fails the wait at once.
    await within(
      Promise.race([
        Promise.all(writers.map((w) => w.ready)),
        Promise.race(writers.map((w) => w.exited)).then((result) => {
          throw new Error(
            `a writer exited before all were ready: ${JSON.stringify(result)}`,
          );
        }),
      ]),
      READY_TIMEOUT_MS,
      'waiting for the writers to be ready',
    );
    await writeFile(goFile, '');
    return await within(exited, RUN_TIMEOUT_MS, 'waiting for the writers');
  } finally {
    for (const { child } of writers) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    }
  }
}

/** Check every child succeeded, and that all four were writing at once. */
function checkChildren(results: readonly ChildResult[]): void {
  const summaries: Summary[] = [];
  for (const result of results) {
    const context = `${result.runId}: ${result.stderr}${result.stdout}`;
    expect(result.signal, context).toBeNull();
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines, context).toHaveLength(2);
    expect(lines[0], context).toBe('ready');
    const summary = JSON.parse(lines[1] ?? '') as Summary;
    expect(
      { persisted: summary.persisted, errors: summary.errors },
      context,
    ).toEqual({ persisted: SAVEPOINTS, errors: [] });
    expect(result.code, context).toBe(0);
    expect(result.stderr, context).toBe('');
    summaries.push(summary);
  }
  // The test means something only if the writes really overlapped. The
  // middle barrier makes them: no child leaves it before every child
  // arrived, so the last arrival lies inside every child's savepoint loop,
  // with savepoints written on both sides of it.
  const context = JSON.stringify(summaries);
  const lastArrival = Math.max(...summaries.map((s) => s.arrivedAt));
  for (const s of summaries) {
    expect(s.writingFrom, context).toBeLessThanOrEqual(s.arrivedAt);
    expect(s.releasedAt, context).toBeGreaterThanOrEqual(lastArrival);
    expect(s.writingUntil, context).toBeGreaterThanOrEqual(s.releasedAt);
  }
  const lastStart = Math.max(...summaries.map((s) => s.writingFrom));
  const firstEnd = Math.min(...summaries.map((s) => s.writingUntil));
  expect(lastStart, context).toBeLessThanOrEqual(lastArrival);
  expect(lastArrival, context).toBeLessThanOrEqual(firstEnd);
}

/** The states savepoint k holds, in entity id order. */
function statesAt(runId: string, k: number) {
  return entityIds().map((id) => [id, expectedState(runId, id, k - 1)]);
}

async function checkRuns(
  storage: StorageAdapter,
  runIds: readonly string[],
): Promise<void> {
  expect(await storage.listRuns()).toEqual([...runIds].sort());
  const newestTimestamps = Array.from(
    { length: KEEP },
    (_, i) => START + (SAVEPOINTS - KEEP + 1 + i) * SCHEDULE,
  );
  for (const runId of runIds) {
    expect(await storage.listSavepoints(runId), runId).toEqual(
      newestTimestamps,
    );
    for (const timestamp of newestTimestamps) {
      const stored = await storage.readSavepoint(runId, timestamp);
      expect(stored?.timestamp, `${runId} @ ${timestamp}`).toBe(timestamp);
      const decoded = (stored?.entries ?? [])
        .map(([id, bytes]) => [id, defaultCodec.decode(bytes)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const k = (timestamp - START) / SCHEDULE;
      expect(decoded, `${runId} @ ${timestamp}`).toEqual(statesAt(runId, k));
    }

    // And a resuming process gets the newest through a StateStore.
    const errors: RunStateError[] = [];
    const store = createStateStore({
      runId,
      schedule: SCHEDULE,
      storage,
      keep: KEEP,
      onError: (error) => errors.push(error),
    });
    try {
      const run = await store.loadRunState();
      expect(run.timestamp).toBe(newestTimestamps.at(-1));
      expect(run.skipped).toEqual([]);
      expect(
        run.entities
          .map((e) => [e.id, e.state] as const)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ).toEqual(statesAt(runId, SAVEPOINTS));
    } finally {
      await store.close();
    }
    expect(errors).toEqual([]);
  }
}

const runIdsFor = (backend: string): string[] =>
  Array.from({ length: WRITERS }, (_, i) => `${backend}-writer-${i}`);

describe('parallel writers', () => {
  it(
    `SQLite: ${WRITERS} processes persist ${SAVEPOINTS} savepoints each into one file`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'runstate-parallel-'));
      const dbPath = join(dir, 'shared.sqlite');
      const runIds = runIdsFor('sqlite');
      try {
        const results = await runWriters(dir, ['sqlite', dbPath, '-'], runIds);
        checkChildren(results);
        await using storage = await SqliteStorage.open({
          path: dbPath,
          readOnly: true,
        });
        await checkRuns(storage, runIds);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it.skipIf(url === undefined)(
    `Postgres: ${WRITERS} processes persist ${SAVEPOINTS} savepoints each into one schema`,
    async () => {
      const connectionString = url ?? '';
      const schema = `runstate_test_${randomBytes(6).toString('hex')}`;
      const dir = await mkdtemp(join(tmpdir(), 'runstate-parallel-'));
      const runIds = runIdsFor('postgres');
      const admin = new pg.Pool({
        connectionString,
        application_name: 'runstate-test-admin',
      });
      admin.on('error', () => undefined);
      try {
        const results = await runWriters(
          dir,
          ['postgres', connectionString, schema],
          runIds,
        );
        checkChildren(results);
        await using storage = await PostgresStorage.open({
          connectionString,
          schema,
          readOnly: true,
        });
        await checkRuns(storage, runIds);
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
        await rm(dir, { recursive: true, force: true });
      }
    },
    TEST_TIMEOUT_MS,
  );
});
