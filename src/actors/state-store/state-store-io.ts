/**
 * The StateStore's I/O steps besides loading (`state-store-load.ts`): what
 * they share ({@link StoreIo}), starting a run, and persisting a savepoint.
 *
 * @packageDocumentation
 */
import { RunStateError, isRunStateError, storageError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MetricsRecorder } from '../../metrics/index.js';
import { measurePersist } from './state-store-metrics.js';
import { createRunState, type RunState } from '../../schedule/index.js';
import type { Schedule } from '../../schedule/index.js';
import { entityStates, type Savepoint } from '../../schedule/index.js';
import type { Codec } from '../../storage/codec/index.js';
import type { JsonValue, StorageAdapter } from '../../storage/index.js';
import type { Migrations } from '../../migrate/index.js';
import type { LeaseKeeper } from '../../lease/index.js';

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
  /** The run's lease, when the storage has leases and it is not disabled. */
  readonly lease?: LeaseKeeper | undefined;
  /** Where measurements go (guarded: never throws). */
  readonly metrics: MetricsRecorder | undefined;
  /** The state version written into every savepoint. */
  readonly version: number;
  /** Brings older savepoints to `version`. */
  readonly migrations: Migrations<unknown> | undefined;
  /** User metadata written into every savepoint. */
  readonly metadata: JsonValue | undefined;
}

/** @internal */
export interface InitOutput {
  readonly runState: RunState<Uint8Array>;
}

/**
 * Initialise storage for the run and build a fresh RunState.
 *
 * @internal
 */
export function initRun(
  io: StoreIo,
  timestamp: number,
  ids: readonly string[],
): Promise<InitOutput> {
  return givingBackOnFailure(io, () => startRun(io, timestamp, ids));
}

/**
 * Run an init or a load; when it fails, give the lease it took back, so a
 * store that is still uninitialised holds no run.
 *
 * @internal
 */
export async function givingBackOnFailure<T>(
  io: StoreIo,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    await io.lease?.giveBack();
    throw error;
  }
}

async function startRun(
  io: StoreIo,
  timestamp: number,
  ids: readonly string[],
): Promise<InitOutput> {
  let newest: number | undefined;
  try {
    await io.lease?.acquire();
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
  const lease = io.lease?.current;
  try {
    if (io.lease?.lost !== undefined) throw io.lease.lost;
    for (const timestamp of quarantine) {
      await storage.quarantineSavepoint(runId, timestamp);
      io.logger.warn({ runId, timestamp }, 'moved corrupted savepoint aside');
    }
    const { timestamp } = savepoint;
    const entries = entityStates(savepoint);
    const meta = {
      version: io.version,
      writtenAt: Date.now(),
      ...(io.metadata === undefined ? {} : { metadata: io.metadata }),
    };
    const started = performance.now();
    await storage.writeSavepoint(
      runId,
      { timestamp, entries, meta },
      lease === undefined ? { keep: io.keep } : { keep: io.keep, lease },
    );
    if (io.metrics !== undefined) {
      const durationMs = performance.now() - started;
      measurePersist(io.metrics, runId, timestamp, entries, durationMs);
    }
  } catch (error) {
    if (isRunStateError(error, 'E_FENCED')) io.lease?.fenced(error);
    throw storageError(error, `persisting savepoint ${savepoint.timestamp}`, {
      runId,
      timestamp: savepoint.timestamp,
    });
  }
}
