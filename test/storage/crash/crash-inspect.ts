/**
 * What the crash test checks on a backend after each kill: every live
 * savepoint complete, consistent and decodable, loadable by the library's
 * own loader and by a read-only StateStore, and pruned to exactly `KEEP`.
 */
import { expect } from 'vitest';
import {
  createStateStore,
  defaultCodec,
  isRunStateError,
  loadNewestSavepoint,
  type Logger,
  type RunStateError,
  type StorageAdapter,
} from '../../../src/index.js';
import { KEEP, RUN_ID, SCHEDULE, START, verifyState } from './crash-model.js';

/** The workload a backend is checked against. */
export interface Workload {
  readonly seed: number;
  readonly ids: readonly string[];
}

type States = readonly (readonly [string, unknown])[];

/** Every expected entity present once, nothing else, each payload valid. */
function checkEntities(
  { seed, ids }: Workload,
  states: States,
  problems: string[],
): Set<number> {
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
  return counts;
}

/**
 * Problems with one savepoint's decoded states: every entity present once,
 * nothing else, every payload matching its handled count, and every entity
 * at the same count, the one the savepoint's timestamp implies (one message
 * per ms since START: a consistent cut).
 */
export function checkStates(
  workload: Workload,
  timestamp: number,
  states: States,
): string[] {
  const problems: string[] = [];
  const counts = checkEntities(workload, states, problems);
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

/** A logger that collects warnings and errors, to fail the test on them. */
function strictLogger(sink: string[]): Logger {
  const keep = (bindings: object, message: string): void => {
    sink.push(`${message} ${JSON.stringify(bindings)}`);
  };
  const ignore = (): void => undefined;
  return { debug: ignore, info: ignore, warn: keep, error: keep };
}

/**
 * Pruning keeps the newest `KEEP` consecutive savepoints, never fewer, and
 * at most `maxLive` (more than `KEEP` only for a backend that prunes after
 * the commit: the old set plus the complete new one).
 */
function checkPruned(live: readonly number[], maxLive: number): void {
  expect(live.length).toBeLessThanOrEqual(maxLive);
  const newest = live.at(-1);
  if (newest === undefined) return;
  const written = (newest - START) / SCHEDULE;
  expect(live.length).toBeGreaterThanOrEqual(Math.min(KEEP, written));
  expect(live.length).toBeLessThanOrEqual(written);
  // Savepoints are persisted one per schedule step: the live ones are the
  // newest consecutive ones.
  expect(live).toEqual(
    Array.from(
      { length: live.length },
      (_, i) => newest - (live.length - 1 - i) * SCHEDULE,
    ),
  );
}

/** Read and check every live savepoint, not just the newest (the fallback). */
async function checkLive(
  storage: StorageAdapter,
  workload: Workload,
  live: readonly number[],
): Promise<void> {
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
    problems.push(...checkStates(workload, timestamp, states));
  }
  expect(problems).toEqual([]);
}

/**
 * A second process inspecting the run through a StateStore (spec §6:
 * loading writes nothing, so it works on read-only storage).
 */
async function checkStateStore(
  storage: StorageAdapter,
  workload: Workload,
  newest: number,
  logger: Logger,
): Promise<void> {
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
    const states = run.entities.map((e) => [e.id, e.state] as const);
    expect(checkStates(workload, newest, states)).toEqual([]);
    for (const entity of run.entities) {
      expect(entity.nextSavepoint).toBe(newest + SCHEDULE);
    }
  } finally {
    await store.close();
  }
  expect(errors).toEqual([]);
}

/**
 * Open a new (read-only) storage with `open` and check everything on it;
 * returns the timestamps of the live savepoints, ascending.
 */
export async function inspect(
  open: () => Promise<StorageAdapter>,
  workload: Workload,
  maxLive = KEEP,
): Promise<number[]> {
  await using storage = await open();
  const live = await storage.listSavepoints(RUN_ID);
  checkPruned(live, maxLive);
  await checkLive(storage, workload, live);

  const warnings: string[] = [];
  const logger = strictLogger(warnings);
  const newest = live.at(-1);
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
  expect(checkStates(workload, newest, loaded.states)).toEqual([]);
  await checkStateStore(storage, workload, newest, logger);
  expect(warnings).toEqual([]);
  return live;
}
