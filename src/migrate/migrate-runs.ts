/**
 * Checking and migrating every run of a storage, one run at a time.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError } from '../errors.js';
import type { StorageAdapter } from '../storage/index.js';
import { applyMigrations } from './apply-migrations.js';
import type { Migrations } from './define-migrations.js';
import { checkFunction, show } from '../validate.js';
import {
  checkMigrateArgs,
  loadForMigration,
  migrateRun,
  type MigrateOptions,
  type MigrateRunResult,
} from './migrate-run.js';

/** Progress of {@link checkMigrations} and {@link migrateRuns}. */
export interface MigrationProgress {
  /** Runs handled so far (this one included). */
  readonly done: number;
  /** Runs in all. */
  readonly total: number;
  /** The run just handled. */
  readonly runId: string;
  /** What happened to it. */
  readonly result: RunMigrationResult;
}

/** One run's outcome: a result, or the error that stopped it. */
export type RunMigrationResult =
  | (MigrateRunResult & { readonly error?: undefined })
  | {
      readonly runId: string;
      readonly status: 'failed';
      readonly error: RunStateError;
    };

/** Options of {@link checkMigrations} and {@link migrateRuns}. */
export interface MigrateRunsOptions extends MigrateOptions {
  /** Called after each run, in order. */
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** Stops between two runs (the report covers the runs done). */
  readonly signal?: AbortSignal;
}

/** What {@link checkMigrations} and {@link migrateRuns} report. */
export interface MigrationReport {
  /** Runs handled. */
  readonly total: number;
  /** How many runs ended with each status. */
  readonly counts: Readonly<Record<RunMigrationResult['status'], number>>;
  /** The runs that failed, with their errors (the others are counted). */
  readonly failures: readonly Extract<
    RunMigrationResult,
    { status: 'failed' }
  >[];
  /** Whether the signal stopped it before the last run. */
  readonly aborted: boolean;
}

/** Run `each` over every run, one at a time, counting and reporting. */
async function overRuns(
  storage: StorageAdapter,
  migrations: Migrations<unknown>,
  options: MigrateRunsOptions,
  each: (runId: string) => Promise<MigrateRunResult>,
): Promise<MigrationReport> {
  checkMigrateArgs(storage, migrations, options);
  const { onProgress, signal } = options;
  if (onProgress !== undefined) checkFunction('options.onProgress', onProgress);
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `options.signal must be an AbortSignal, got ${show(signal)}`,
    );
  }
  const runIds = await storage.listRuns();
  const counts = { migrated: 0, current: 0, empty: 0, raced: 0, failed: 0 };
  const failures: Extract<RunMigrationResult, { status: 'failed' }>[] = [];
  let done = 0;
  for (const runId of runIds) {
    if (options.signal?.aborted === true) break;
    let result: RunMigrationResult;
    try {
      result = await each(runId);
    } catch (error) {
      const e = ensureError(error);
      const wrapped =
        e instanceof RunStateError
          ? e
          : new RunStateError('E_MIGRATION_FAILED', e.message, { cause: e });
      result = { runId, status: 'failed', error: wrapped };
      failures.push(result);
    }
    counts[result.status]++;
    done++;
    options.onProgress?.({ done, total: runIds.length, runId, result });
  }
  return { total: done, counts, failures, aborted: done < runIds.length };
}

/**
 * Load every run's newest savepoint through `migrations` without writing,
 * and report per run: version from → to, entities, failures. For CI and
 * before a deploy.
 *
 * @remarks
 * One run at a time: memory holds one savepoint's states, whatever the
 * number of runs. A run that would migrate is reported `'migrated'` (it
 * would be), one already at the chain's version `'current'`. Works on a
 * read-only storage.
 *
 * @param storage - the storage to check
 * @param migrations - the chain of the code about to run
 * @param options - codec, logger, `onProgress`, `signal`
 * @returns counts per status and every failure (`E_VERSION_NEWER`,
 * `E_MIGRATION_FAILED`, `E_CORRUPTED`…)
 * @throws `TypeError` (as a rejection) for a bad `storage`, `migrations`
 * (not made by `defineMigrations`) or option; `E_STORAGE`/`E_CLOSED` when
 * the runs cannot be listed
 * @example
 * ```ts
 * const report = await checkMigrations(storage, migrations);
 * if (report.failures.length > 0) process.exitCode = 1;
 * ```
 */
export async function checkMigrations(
  storage: StorageAdapter,
  migrations: Migrations<unknown>,
  options: MigrateRunsOptions = {},
): Promise<MigrationReport> {
  return overRuns(storage, migrations, options, async (runId) => {
    const to = migrations.version;
    const loaded = await loadForMigration(storage, runId, options);
    if (loaded === undefined) return { runId, status: 'empty', to };
    const { timestamp, meta } = loaded;
    const states = await applyMigrations(migrations, loaded.states, {
      runId,
      timestamp,
      version: meta.version,
    });
    const status = meta.version === to ? 'current' : 'migrated';
    const from = meta.version;
    return { runId, status, timestamp, from, to, entities: states.length };
  });
}

/**
 * {@link migrateRun} on every run of the storage, one at a time (memory
 * holds one run's states), reporting progress after each run. A run that
 * fails is reported and the others go on.
 *
 * @param storage - a writable storage with `replaceSavepoint`
 * @param migrations - the chain
 * @param options - codec, logger, `onProgress`, `signal`
 * @example
 * ```ts
 * const report = await migrateRuns(storage, migrations, {
 *   onProgress: ({ done, total }) => console.error(`${done}/${total}`),
 * });
 * ```
 */
export async function migrateRuns(
  storage: StorageAdapter,
  migrations: Migrations<unknown>,
  options: MigrateRunsOptions = {},
): Promise<MigrationReport> {
  return overRuns(storage, migrations, options, (runId) =>
    migrateRun(storage, runId, migrations, options),
  );
}
