/**
 * Loading a run into a StateStore: read the newest decodable savepoint (or,
 * rewinding, the one asked for), migrate it through the chain and the
 * user's `update`, and build the resumed RunState.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError, storageError } from '../../errors.js';
import { createRunState, type RunState } from '../../schedule/index.js';
import {
  loadNewestSavepoint,
  type LoadedSavepoint,
} from '../../storage/index.js';
import type { SavepointMeta } from '../../storage/index.js';
import { applyMigrations, versionNewerError } from '../../migrate/index.js';
import { checkStatePairs } from '../../state-pairs.js';
import {
  givingBackOnFailure,
  type StoreIo,
  type UpdateFunction,
} from './state-store-io.js';
import {
  planRewind,
  quarantineNewer,
  type RewindPlan,
} from './state-store-rewind.js';

/** What one `loadRunState` call asks for. @internal */
export interface LoadRequest {
  readonly update: UpdateFunction | undefined;
  /** Rewind to this live savepoint. */
  readonly at: number | undefined;
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
  const { runId } = io;
  const started = performance.now();
  const { loaded, plan } = await readForLoad(io, at);
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
  reportResumed(io, loaded, states.length, started);
  const { timestamp, skipped, meta } = loaded;
  return { runState, timestamp, states, skipped, meta, rewound };
}

/**
 * Take the lease, plan a rewind to `at` if asked, and read the newest
 * decodable savepoint (of the rewound view when rewinding).
 */
async function readForLoad(
  io: StoreIo,
  at: number | undefined,
): Promise<{ loaded: LoadedSavepoint; plan: RewindPlan | undefined }> {
  const { runId, logger } = io;
  let plan: RewindPlan | undefined;
  try {
    await io.lease?.acquire();
    if (at !== undefined) plan = await planRewind(io.storage, runId, at);
    const loaded = await loadNewestSavepoint(plan?.view ?? io.storage, runId, {
      codec: io.codec,
      logger,
    });
    return { loaded, plan };
  } catch (error) {
    throw storageError(error, 'loadRunState', { runId });
  }
}

/** Measure and log a resumed run. */
function reportResumed(
  io: StoreIo,
  loaded: LoadedSavepoint,
  entities: number,
  started: number,
): void {
  const { runId } = io;
  const { timestamp, skipped, meta } = loaded;
  io.metrics?.loaded({
    runId,
    timestamp,
    entities,
    corrupted: skipped.length,
    durationMs: performance.now() - started,
  });
  io.logger.info(
    {
      runId,
      timestamp,
      entities,
      skipped,
      version: meta.version,
      current: io.version,
    },
    'resumed run from savepoint',
  );
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
