/**
 * Crash safety of the SQLite backend under SIGKILL (spec §1, §5–§7): a child
 * process (`crash-writer.ts`) persists savepoints of 50–200 self-verifying
 * entities as fast as it can and is killed at a random instant, over and over
 * on the same database. After every kill the database is opened read-only and
 * must hold only complete, consistent, decodable savepoints, never fewer than
 * what the child saw committed, and never going backwards.
 *
 * Replay: `CRASH_SEED=<seed> npx vitest run test/crash`. The seed fixes the
 * entities, their payloads and the kill delays; where exactly the kill lands
 * still depends on the machine's timing.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createStateStore,
  defaultCodec,
  isRunStateError,
  loadNewestSavepoint,
  type Logger,
  type RunStateError,
} from '../../src/index.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import {
  KEEP,
  RUN_ID,
  SCHEDULE,
  START,
  entityIds,
  prng,
  verifyState,
} from './crash-model.js';
import { tsChildArgs } from '../support/ts-child.js';

const WRITER = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const CYCLES = Number(process.env.CRASH_CYCLES ?? 50);
/** Kills land a random 0…MAX_DELAY_MS after the child reports `ready`. */
const MAX_DELAY_MS = 150;
/** How long a child may take to start (tsx compiles on a cold cache). */
const READY_TIMEOUT_MS = 20_000;
/** Kills that must land while a write transaction was open. */
const MIN_MID_WRITE_KILLS = 5;

/** What one killed child printed. */
interface ChildLog {
  readonly ready: { readonly timestamp: number; readonly resumed: boolean };
  /** Savepoints whose write began, in order. */
  readonly begun: readonly number[];
  /** Savepoints whose write committed, in order. */
  readonly ended: readonly number[];
  readonly errors: readonly string[];
  readonly stderr: string;
}

/**
 * Start the writer, wait for `ready`, SIGKILL it `delayMs` later, and return
 * everything it printed (read until its stdout closed, so the lines written
 * just before the kill are included).
 */
async function runAndKill(
  dbPath: string,
  seed: number,
  delayMs: number,
): Promise<ChildLog> {
  const child = spawn(
    process.execPath,
    tsChildArgs(WRITER, dbPath, String(seed)),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const closed = new Promise<{ code: number | null; signal: string | null }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    },
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`writer not ready after ${READY_TIMEOUT_MS} ms`)),
      READY_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (/^ready /m.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void closed.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `writer exited before ready (code ${code}, signal ${signal}): ${stderr}${stdout}`,
        ),
      );
    });
  });
  try {
    await ready;
    await sleep(delayMs);
  } finally {
    child.kill('SIGKILL');
  }
  const { signal } = await closed;
  if (signal !== 'SIGKILL') {
    throw new Error(
      `writer ended by itself (signal ${signal}): ${stderr}${stdout}`,
    );
  }
  return parseLog(stdout, stderr);
}

function parseLog(stdout: string, stderr: string): ChildLog {
  // Every line is one small writeSync to a pipe, hence atomic: a fragment
  // would mean the child printed something unexpected.
  if (!stdout.endsWith('\n')) throw new Error(`torn output: ${stdout}`);
  const lines = stdout.slice(0, -1).split('\n');
  const [first, ...rest] = lines;
  const readyMatch = /^ready (\d+) ([01])$/.exec(first ?? '');
  if (readyMatch === null) throw new Error(`bad first line: ${first}`);
  const begun: number[] = [];
  const ended: number[] = [];
  const errors: string[] = [];
  for (const line of rest) {
    const [kind, value] = line.split(' ', 2);
    if (kind === 'begin') begun.push(Number(value));
    else if (kind === 'end') ended.push(Number(value));
    else if (kind === 'error') errors.push(line);
    else throw new Error(`unexpected line from the writer: ${line}`);
  }
  return {
    ready: {
      timestamp: Number(readyMatch[1]),
      resumed: readyMatch[2] === '1',
    },
    begun,
    ended,
    errors,
    stderr,
  };
}

/**
 * Problems with one savepoint's decoded states: every entity present once,
 * nothing else, every payload matching its handled count, and every entity
 * at the same count, the one the savepoint's timestamp implies (one message
 * per ms since START: a consistent cut).
 */
function checkStates(
  seed: number,
  ids: readonly string[],
  timestamp: number,
  states: readonly (readonly [string, unknown])[],
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const expectedIds = new Set(ids);
  const counts = new Set<number>();
  for (const [id, state] of states) {
    if (seen.has(id)) problems.push(`${id} twice`);
    seen.add(id);
    if (!expectedIds.has(id)) {
      problems.push(`unknown entity ${id}`);
      continue;
    }
    try {
      counts.add(verifyState(seed, id, state));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const missing = ids.filter((id) => !seen.has(id));
  if (missing.length > 0) {
    const some = missing.slice(0, 5).join(', ');
    problems.push(`${missing.length} entities missing (${some}, …)`);
  }
  if (counts.size > 1) {
    problems.push(
      `not a consistent cut: handled counts ${[...counts].join(', ')}`,
    );
  }
  const expected = timestamp - START;
  if (counts.size === 1 && !counts.has(expected)) {
    problems.push(
      `handled ${[...counts].join(', ')} at ${timestamp}, not ${expected}`,
    );
  }
  return problems.map((p) => `savepoint ${timestamp}: ${p}`);
}

/** A logger that fails the test on warnings and errors. */
function strictLogger(sink: string[]): Logger {
  const keep = (bindings: object, message: string): void => {
    sink.push(`${message} ${JSON.stringify(bindings)}`);
  };
  const ignore = (): void => undefined;
  return { debug: ignore, info: ignore, warn: keep, error: keep };
}

/**
 * Open the database read-only and check everything on it; returns the
 * timestamps of the live savepoints, ascending.
 */
async function inspect(
  dbPath: string,
  seed: number,
  ids: readonly string[],
): Promise<number[]> {
  await using storage = await SqliteStorage.open({
    path: dbPath,
    readOnly: true,
  });
  const live = await storage.listSavepoints(RUN_ID);
  // Pruning keeps at most KEEP, and never drops below what has been written.
  expect(live.length).toBeLessThanOrEqual(KEEP);
  const newest = live.at(-1);
  if (newest !== undefined) {
    const written = (newest - START) / SCHEDULE;
    expect(live.length).toBe(Math.min(KEEP, written));
    // Savepoints are persisted one per schedule step: the live ones are the
    // newest consecutive ones.
    expect(live).toEqual(
      Array.from(
        { length: live.length },
        (_, i) => newest - (live.length - 1 - i) * SCHEDULE,
      ),
    );
  }
  // Every live savepoint decodes and is complete and consistent, not just
  // the newest: it is the fallback if the newest is ever damaged.
  const problems: string[] = [];
  for (const timestamp of live) {
    const stored = await storage.readSavepoint(RUN_ID, timestamp);
    if (stored === undefined) {
      problems.push(`savepoint ${timestamp} listed but unreadable`);
      continue;
    }
    expect(stored.timestamp).toBe(timestamp);
    const states = stored.entries.map(
      ([id, bytes]) => [id, defaultCodec.decode(bytes)] as const,
    );
    problems.push(...checkStates(seed, ids, timestamp, states));
  }
  expect(problems).toEqual([]);

  const warnings: string[] = [];
  const logger = strictLogger(warnings);
  if (newest === undefined) {
    await expect(
      loadNewestSavepoint(storage, defaultCodec, RUN_ID, logger),
    ).rejects.toSatisfy((e) => isRunStateError(e, 'E_NO_SAVEPOINT'));
    return live;
  }
  const loaded = await loadNewestSavepoint(
    storage,
    defaultCodec,
    RUN_ID,
    logger,
  );
  expect(loaded.timestamp).toBe(newest);
  expect(loaded.skipped).toEqual([]);
  expect(checkStates(seed, ids, newest, loaded.states)).toEqual([]);

  // A second process inspecting the run through a StateStore (spec §6:
  // loading writes nothing, so it works on read-only storage).
  const errors: RunStateError[] = [];
  const store = createStateStore({
    runId: RUN_ID,
    schedule: SCHEDULE,
    storage,
    keep: KEEP,
    logger,
    onError: (error) => errors.push(error),
  });
  try {
    const run = await store.loadRunState();
    expect(run.timestamp).toBe(newest);
    expect(run.skipped).toEqual([]);
    const { entities } = run;
    expect(
      checkStates(
        seed,
        ids,
        newest,
        entities.map((e) => [e.id, e.state] as const),
      ),
    ).toEqual([]);
    for (const entity of entities) {
      expect(entity.nextSavepoint).toBe(newest + SCHEDULE);
    }
  } finally {
    await store.close();
  }
  expect(errors).toEqual([]);
  expect(warnings).toEqual([]);
  return live;
}

describe('SQLite savepoints under SIGKILL', () => {
  it(`survive ${CYCLES} kills at random instants, mid-write included`, async () => {
    const seed = Number(process.env.CRASH_SEED ?? randomInt(2 ** 31));
    const rand = prng(seed);
    const ids = entityIds(seed);
    const dir = await mkdtemp(join(tmpdir(), 'runstate-crash-'));
    const dbPath = join(dir, 'crash.sqlite');
    console.log(
      `sqlite crash test: seed ${seed} (replay with CRASH_SEED=${seed}), ${ids.length} entities, ${CYCLES} cycles`,
    );
    const startedAt = performance.now();
    /** Newest savepoint on disk after the previous cycle. */
    let newest: number | undefined;
    /** Kills that landed between `begin` and `end` of a write. */
    let midWrite = 0;
    /** …of which the transaction had already committed. */
    let midWriteCommitted = 0;
    let writes = 0;
    let cycle = 0;
    try {
      for (cycle = 1; cycle <= CYCLES; cycle++) {
        const delay = Math.floor(rand() * (MAX_DELAY_MS + 1));
        const log = await runAndKill(dbPath, seed, delay);
        expect(log.errors).toEqual([]);
        expect(log.stderr).toBe('');

        // The child resumed from exactly what was on disk.
        expect(log.ready).toEqual(
          newest === undefined
            ? { timestamp: START, resumed: false }
            : { timestamp: newest, resumed: true },
        );
        // It wrote the savepoints after it in order, one at a time, each
        // committed before the next began; at most the last is unfinished.
        const from = log.ready.timestamp;
        expect(log.begun).toEqual(
          log.begun.map((_, i) => from + (i + 1) * SCHEDULE),
        );
        expect(log.ended).toEqual(log.begun.slice(0, log.ended.length));
        expect(log.begun.length - log.ended.length).toBeLessThanOrEqual(1);
        writes += log.ended.length;

        const live = await inspect(dbPath, seed, ids);
        const onDisk = live.at(-1);
        // Everything the child saw committed is there; a kill inside a
        // write leaves either the old set or the old set plus the new one.
        const committed = log.ended.at(-1) ?? newest;
        const unfinished =
          log.begun.length > log.ended.length ? log.begun.at(-1) : undefined;
        if (unfinished === undefined) {
          expect(onDisk).toBe(committed);
        } else {
          midWrite++;
          expect([committed, unfinished]).toContain(onDisk);
          if (onDisk === unfinished) midWriteCommitted++;
        }
        // Never backwards.
        if (newest !== undefined) {
          expect(onDisk).toBeGreaterThanOrEqual(newest);
        }
        newest = onDisk;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.log(
        `sqlite crash test FAILED at cycle ${cycle}: replay with CRASH_SEED=${seed}`,
      );
      throw new Error(
        `cycle ${cycle} (CRASH_SEED=${seed}, db ${dbPath}): ${message}`,
        { cause: error },
      );
    }
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    console.log(
      `sqlite crash test: seed ${seed}: ${CYCLES} kills in ${seconds} s, ` +
        `${writes} savepoints committed, newest ${newest}; ` +
        `${midWrite} kills mid-write: ${midWrite - midWriteCommitted} rolled back, ` +
        `${midWriteCommitted} already committed (killed while syncing, before the child saw it)`,
    );
    // The test only means something if kills hit the dangerous window.
    expect(midWrite).toBeGreaterThanOrEqual(MIN_MID_WRITE_KILLS);
    expect(newest).toBeDefined();
    await rm(dir, { recursive: true, force: true });
  }, 90_000);
});
