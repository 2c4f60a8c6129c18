/**
 * Applying a migration chain to one loaded savepoint.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError } from '../errors.js';
import { checkStatePairs } from '../state-pairs.js';
import type { Migrations } from './define-migrations.js';
import { EntityStepError } from './map-states.js';

/** Where the states being migrated come from. */
export interface MigrationSource {
  /** The run. */
  readonly runId: string;
  /** The savepoint's timestamp. */
  readonly timestamp: number;
  /** The version the savepoint was written at. */
  readonly version: number;
}

/**
 * The `E_VERSION_NEWER` error for a savepoint newer than the code.
 *
 * @param source - the savepoint
 * @param current - the version the code reads
 */
export function versionNewerError(
  source: MigrationSource,
  current: number,
): RunStateError {
  const { runId, timestamp, version } = source;
  return new RunStateError(
    'E_VERSION_NEWER',
    `savepoint ${timestamp} of run ${JSON.stringify(runId)} was written at state version ${version}, newer than version ${current} of this code; deploy the newer code (or rewind to an older savepoint)`,
    { details: { runId, timestamp, found: version, current } },
  );
}

function failure(
  source: MigrationSource,
  step: number | undefined,
  reason: string,
  extra: { cause?: unknown; entityId?: string } = {},
): RunStateError {
  const { runId, timestamp, version } = source;
  const { cause, entityId } = extra;
  const where = step === undefined ? '' : ` step ${step - 1}→${step}`;
  const who =
    entityId === undefined ? '' : ` at entity ${JSON.stringify(entityId)}`;
  return new RunStateError(
    'E_MIGRATION_FAILED',
    `migration${where} of savepoint ${timestamp} of run ${JSON.stringify(runId)}${who} ${reason}`,
    {
      cause,
      details: {
        runId,
        timestamp,
        found: version,
        ...(step === undefined ? {} : { step }),
        ...(entityId === undefined ? {} : { entityId }),
      },
    },
  );
}

/**
 * Bring `states` from `source.version` to `migrations.version`, running
 * exactly the steps in between, in numeric order.
 *
 * @param migrations - the chain
 * @param states - the savepoint's decoded `[id, state]` pairs
 * @param source - run, timestamp and version of the savepoint
 * @returns the migrated pairs (the same array when nothing was to do)
 * @throws `E_VERSION_NEWER` for a savepoint newer than the chain;
 * `E_MIGRATION_FAILED` for one older than the chain's oldest version, a
 * step that threw (the error as `cause`, the entity when known) or a step
 * that returned something that is not unique `[id, state]` pairs.
 */
export async function applyMigrations(
  migrations: Migrations<unknown>,
  states: [string, unknown][],
  source: MigrationSource,
): Promise<[string, unknown][]> {
  const { version: current, oldest } = migrations;
  if (source.version > current) throw versionNewerError(source, current);
  if (source.version < oldest) {
    throw failure(
      source,
      source.version + 1,
      `cannot run: the savepoint is at version ${source.version}, the chain starts at version ${oldest}`,
    );
  }
  let pairs = states;
  for (let to = source.version + 1; to <= current; to++) {
    const step = migrations.steps.get(to);
    if (step === undefined) throw failure(source, to, 'has no step');
    const context = {
      runId: source.runId,
      timestamp: source.timestamp,
      from: to - 1,
      to,
    };
    let result: unknown;
    try {
      result = await step(pairs, context);
    } catch (error) {
      const entityId =
        error instanceof EntityStepError ? error.entityId : undefined;
      const cause = error instanceof EntityStepError ? error.cause : error;
      throw failure(source, to, `threw: ${ensureError(cause).message}`, {
        cause,
        ...(entityId === undefined ? {} : { entityId }),
      });
    }
    pairs = checkStatePairs(result, (reason) => failure(source, to, reason));
  }
  return pairs;
}
