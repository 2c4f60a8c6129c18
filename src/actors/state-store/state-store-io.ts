import {
  RunStateError,
  ensureError,
  isRunStateError,
  storageError,
} from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MetricsRecorder } from '../../metrics/index.js';
import { measurePersist } from './state-store-metrics.js';
import { createRunState, type RunState } from '../../schedule/index.js';
import type { Schedule } from '../../schedule/index.js';
import { entityStates, type Savepoint } from '../../schedule/index.js';
import type { Codec } from '../../storage/codec/index.js';
import {
  loadNewestSavepoint,
  type LoadedSavepoint,
} from '../../storage/index.js';
import type {
  JsonValue,
  SavepointMeta,
  StorageAdapter,
} from '../../storage/index.js';
import {
  applyMigrations,
  versionNewerError,
  type Migrations,
} from '../../migrate/index.js';
import { checkStatePairs } from '../../state-pairs.js';
import type { LeaseKeeper } from '../../lease/index.js';
import {
  planRewind,
  quarantineNewer,
  type RewindPlan,
} from './state-store-rewind.js';

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

/** What one `loadRunState` call asks for. @internal */
export interface LoadRequest {
  readonly update: UpdateFunction | undefined;
  /** Rewind to this live savepoint. */
  readonly at: number | undefined;
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
  readonly meta: SavepointMeta;
  readonly rewound: number[];
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
 */
async function givingBackOnFailure<T>(
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
 * Read the newest decodable savepoint (or, rewinding, the one at `at`),
 * migrate it through the chain and `update`, and build the resumed
 * RunState. Writes nothing, except that a rewind quarantines the newer
 * savepoints once the one at `at` loaded and migrated.
 *
 * @internal
 */
export function loadRun(
  io: StoreIo,
  request: LoadRequest,
): Promise<LoadOutput> {
  return givingBackOnFailure(io, () => resumeRun(io, request));
}

async function resumeRun(
  io: StoreIo,
  { update, at }: LoadRequest,
): Promise<LoadOutput> {
  const { runId, logger } = io;
  const started = performance.now();
  let loaded: LoadedSavepoint;
  let plan: RewindPlan | undefined;
  try {
    await io.lease?.acquire();
    if (at !== undefined) plan = await planRewind(io.storage, runId, at);
    loaded = await loadNewestSavepoint(plan?.view ?? io.storage, runId, {
      codec: io.codec,
      logger,
    });
  } catch (error) {
    throw storageError(error, 'loadRunState', { runId });
  }
  const migrated = await migrate(io, loaded, update !== undefined);
  const states =
    update === undefined
      ? migrated
      : await applyUpdate(runId, update, migrated, loaded.timestamp);
  // Only once the rewound savepoint loaded: a failure above moves nothing.
  const rewound = plan?.newer ?? [];
  if (at !== undefined) {
    await quarantineNewer(io, at, rewound).catch((error: unknown) => {
      throw storageError(error, 'loadRunState', { runId });
    });
  }
  const runState = createRunState<Uint8Array>(
    io.schedule,
    loaded.timestamp,
    states.map(([id]) => id),
    { resumed: true, maxOpenSavepoints: io.maxOpenSavepoints },
  );
  const { timestamp, skipped, meta } = loaded;
  io.metrics?.loaded({
    runId,
    timestamp,
    entities: states.length,
    corrupted: skipped.length,
    durationMs: performance.now() - started,
  });
  logger.info(
    {
      runId,
      timestamp,
      entities: states.length,
      skipped,
      version: meta.version,
      current: io.version,
    },
    'resumed run from savepoint',
  );
  return { runState, timestamp, states, skipped, meta, rewound };
}

/**
 * Bring the loaded states to the store's version through its chain.
 * Without a chain, an older savepoint needs `update` (trusted to migrate
 * it); a newer one is always refused.
 */
async function migrate(
  io: StoreIo,
  loaded: LoadedSavepoint,
  hasUpdate: boolean,
): Promise<[string, unknown][]> {
  const source = {
    runId: io.runId,
    timestamp: loaded.timestamp,
    version: loaded.meta.version,
  };
  if (io.migrations !== undefined) {
    return applyMigrations(io.migrations, loaded.states, source);
  }
  if (source.version > io.version) {
    throw versionNewerError(source, io.version);
  }
  if (source.version < io.version && !hasUpdate) {
    throw new RunStateError(
      'E_MIGRATION_FAILED',
      `savepoint ${source.timestamp} of run ${JSON.stringify(io.runId)} is at state version ${source.version}, the store at ${io.version}, and the store has no migrations (give it options.migrations)`,
      { details: { ...source, found: source.version, current: io.version } },
    );
  }
  return loaded.states;
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
  return checkStatePairs(result, fail);
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
