import { RunStateError, ensureError, storageError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MetricsRecorder } from '../../metrics/index.js';
import { createRunState, type RunState } from '../../schedule/index.js';
import type { Schedule } from '../../schedule/index.js';
import { entityStates, type Savepoint } from '../../schedule/index.js';
import type { Codec } from '../../storage/codec/index.js';
import {
  loadNewestSavepoint,
  type LoadedSavepoint,
} from '../../storage/index.js';
import type { StorageAdapter } from '../../storage/index.js';
import { checkId, show } from '../../validate.js';

/**
 * Migrates loaded state: receives the newest savepoint's `[id, state]` pairs
 * and returns the pairs to resume with (it may change, add, rename or drop
 * entries). May be async.
 */
export type UpdateFunction = (
  states: [id: string, state: unknown][],
  timestamp: number,
) =>
  | Iterable<readonly [string, unknown]>
  | Promise<Iterable<readonly [string, unknown]>>;

/**
 * What the store's I/O steps need; fixed per store.
 *
 * @internal
 */
export interface StoreIo {
  readonly runId: string;
  readonly schedule: Schedule;
  readonly storage: StorageAdapter;
  readonly codec: Codec;
  readonly logger: Logger;
  readonly keep: number;
  readonly maxOpenSavepoints: number;
  /** Least wall-clock time between two writes; 0: no wait, no coalescing. */
  readonly persistIntervalMs: number;
  /** Where measurements go (guarded: never throws). */
  readonly metrics: MetricsRecorder | undefined;
}

/** @internal */
export interface InitOutput {
  readonly runState: RunState<Uint8Array>;
}

/** @internal */
export interface LoadOutput {
  readonly runState: RunState<Uint8Array>;
  readonly timestamp: number;
  readonly states: [string, unknown][];
  readonly skipped: number[];
}

/**
 * Initialise storage for the run and build a fresh RunState.
 *
 * @internal
 */
export async function initRun(
  io: StoreIo,
  timestamp: number,
  ids: readonly string[],
): Promise<InitOutput> {
  let newest: number | undefined;
  try {
    newest = await io.storage.newestTimestamp(io.runId);
    if (newest === undefined) await io.storage.initRun(io.runId);
  } catch (error) {
    throw storageError(error, 'initRunState', { runId: io.runId });
  }
  if (newest !== undefined) {
    throw new RunStateError(
      'E_INVALID_STATE',
      `run ${JSON.stringify(io.runId)} already has savepoints (newest ${newest}); resume it with loadRunState() or delete it first`,
      { details: { runId: io.runId, newest } },
    );
  }
  const runState = createRunState<Uint8Array>(io.schedule, timestamp, ids, {
    maxOpenSavepoints: io.maxOpenSavepoints,
  });
  const bindings = { runId: io.runId, timestamp, entities: ids.length };
  io.logger.info(bindings, 'started run');
  return { runState };
}

/**
 * Read the newest decodable savepoint, migrate it through `update`, and build
 * the resumed RunState. Writes nothing.
 *
 * @internal
 */
export async function loadRun(
  io: StoreIo,
  update: UpdateFunction | undefined,
): Promise<LoadOutput> {
  const { runId, logger } = io;
  const started = performance.now();
  let loaded: LoadedSavepoint;
  try {
    loaded = await loadNewestSavepoint(io.storage, io.codec, runId, logger);
  } catch (error) {
    throw storageError(error, 'loadRunState', { runId });
  }
  const states =
    update === undefined
      ? loaded.states
      : await applyUpdate(runId, update, loaded.states, loaded.timestamp);
  const runState = createRunState<Uint8Array>(
    io.schedule,
    loaded.timestamp,
    states.map(([id]) => id),
    { resumed: true, maxOpenSavepoints: io.maxOpenSavepoints },
  );
  const { timestamp, skipped } = loaded;
  io.metrics?.loaded({
    runId,
    timestamp,
    entities: states.length,
    corrupted: skipped.length,
    durationMs: performance.now() - started,
  });
  logger.info(
    { runId, timestamp, entities: states.length, skipped },
    'resumed run from savepoint',
  );
  return { runState, timestamp, states, skipped };
}

async function applyUpdate(
  runId: string,
  update: UpdateFunction,
  states: [string, unknown][],
  timestamp: number,
): Promise<[string, unknown][]> {
  const fail = (reason: string, cause?: unknown): RunStateError =>
    new RunStateError(
      'E_UPDATE_FAILED',
      `update of run ${JSON.stringify(runId)} ${reason}`,
      {
        cause,
        details: { runId, timestamp },
      },
    );
  let result: unknown;
  try {
    result = await update(states, timestamp);
  } catch (error) {
    throw fail(`threw: ${ensureError(error).message}`, error);
  }
  return checkPairs(result, fail);
}

/** Validate what `update` returned: `[id, state]` pairs, ids unique. */
function checkPairs(
  result: unknown,
  fail: (reason: string) => RunStateError,
): [string, unknown][] {
  if (result === null || typeof result !== 'object') {
    throw fail(`must return a list of [id, state] pairs, got ${show(result)}`);
  }
  if (!(Symbol.iterator in result)) {
    throw fail(`must return a list of [id, state] pairs, got ${show(result)}`);
  }
  const pairs: [string, unknown][] = [];
  const seen = new Set<string>();
  for (const pair of result as Iterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw fail(`returned ${show(pair)} where an [id, state] pair belongs`);
    }
    const [id, state] = pair as [unknown, unknown];
    try {
      checkId('entity id', id);
    } catch (error) {
      throw fail(`returned a bad entity id: ${ensureError(error).message}`);
    }
    const text = id as string;
    if (seen.has(text))
      throw fail(`returned entity id ${JSON.stringify(text)} twice`);
    seen.add(text);
    pairs.push([text, state]);
  }
  return pairs;
}

/**
 * Persist one complete savepoint: first move aside savepoints a load skipped
 * as corrupted (so the run can persist past them), then write and prune.
 *
 * @internal
 */
export async function persistSavepoint(
  io: StoreIo,
  savepoint: Savepoint<Uint8Array>,
  quarantine: readonly number[],
): Promise<void> {
  const { runId, storage } = io;
  try {
    for (const timestamp of quarantine) {
      await storage.quarantineSavepoint(runId, timestamp);
      io.logger.warn({ runId, timestamp }, 'moved corrupted savepoint aside');
    }
    const { timestamp } = savepoint;
    const entries = entityStates(savepoint);
    const started = performance.now();
    await storage.writeSavepoint(
      runId,
      { timestamp, entries },
      { keep: io.keep },
    );
    if (io.metrics !== undefined) {
      const durationMs = performance.now() - started;
      measurePersist(io.metrics, runId, timestamp, entries, durationMs);
    }
  } catch (error) {
    throw storageError(error, `persisting savepoint ${savepoint.timestamp}`, {
      runId,
      timestamp: savepoint.timestamp,
    });
  }
}

function measurePersist(
  metrics: MetricsRecorder,
  runId: string,
  timestamp: number,
  entries: readonly (readonly [string, Uint8Array])[],
  durationMs: number,
): void {
  let bytes = 0;
  for (const entry of entries) bytes += entry[1].byteLength;
  metrics.persisted({
    runId,
    timestamp,
    entities: entries.length,
    bytes,
    durationMs,
  });
}
