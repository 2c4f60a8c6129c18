/**
 * Offline migration: `migrateRun` rewrites one run's newest savepoint at
 * the chain's version, `migrateRuns` every run, one at a time.
 *
 * @packageDocumentation
 */
import { RunStateError, isRunStateError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { defaultCodec, type Codec } from '../storage/codec/index.js';
import {
  loadNewestSavepoint,
  type LoadedSavepoint,
  type StorageAdapter,
  type StoredEntry,
} from '../storage/index.js';
import {
  checkCodecOption,
  checkLogger,
  checkOptions,
  show,
} from '../validate.js';
import { applyMigrations } from './apply-migrations.js';
import { checkMigrationChain, type Migrations } from './define-migrations.js';

/** Options of {@link migrateRun}, {@link migrateRuns} and `checkMigrations`. */
export interface MigrateOptions {
  /** The codec the savepoints were written with. @defaultValue `defaultCodec` */
  readonly codec?: Codec;
  /** Receives warnings about corrupted savepoints skipped. @defaultValue silent */
  readonly logger?: Logger;
}

/**
 * What {@link migrateRun} did to one run:
 *
 * - `'migrated'`: its newest savepoint was rewritten at `to`;
 * - `'current'`: it already was at `to`; nothing written;
 * - `'empty'`: it has no savepoint; nothing written;
 * - `'raced'`: another writer replaced or removed the savepoint between
 *   the read and the write (another `migrateRun`, a prune); nothing
 *   written by this call, nothing lost.
 */
export type MigrateStatus = 'migrated' | 'current' | 'empty' | 'raced';

/** The result of {@link migrateRun}. */
export interface MigrateRunResult {
  readonly runId: string;
  readonly status: MigrateStatus;
  /** The newest savepoint's timestamp (absent for `'empty'`). */
  readonly timestamp?: number;
  /** Its version before (absent for `'empty'`). */
  readonly from?: number;
  /** The chain's version. */
  readonly to: number;
  /** Entities after migration (absent for `'empty'`). */
  readonly entities?: number;
}

/**
 * Check the arguments every offline tool takes.
 *
 * @throws `TypeError` naming the bad argument
 * @internal
 */
export function checkMigrateArgs(
  storage: unknown,
  migrations: unknown,
  options: unknown,
): void {
  const s = storage as Partial<StorageAdapter> | null;
  if (
    typeof s?.listRuns !== 'function' ||
    typeof s.readSavepoint !== 'function'
  ) {
    throw new TypeError(
      `storage must be a StorageAdapter, got ${show(storage)}`,
    );
  }
  checkMigrationChain('migrations', migrations);
  checkOptions('options', options);
  const o = (options ?? {}) as MigrateOptions;
  checkCodecOption('options.codec', o.codec);
  checkLogger('options.logger', o.logger, undefined);
}

/**
 * Load a run's newest decodable savepoint, or `undefined` when it has
 * none.
 *
 * @internal
 */
export async function loadForMigration(
  storage: StorageAdapter,
  runId: string,
  options: MigrateOptions,
): Promise<LoadedSavepoint | undefined> {
  try {
    return await loadNewestSavepoint(
      storage,
      options.codec ?? defaultCodec,
      runId,
      options.logger ?? silentLogger,
    );
  } catch (error) {
    if (isRunStateError(error, 'E_NO_SAVEPOINT')) return undefined;
    throw error;
  }
}

/**
 * Migrate a run's newest savepoint through `migrations` and write it back
 * at the chain's version, in place.
 *
 * @remarks
 * The migrated savepoint keeps its timestamp (its states are valid at the
 * same instant), so it cannot be an ordinary write (the monotonic rule
 * refuses an equal timestamp): it goes through
 * `storage.replaceSavepoint`, which swaps it in atomically and moves the
 * old savepoint into quarantine, never deleting it. A crash (even SIGKILL)
 * leaves either the old savepoint live or the new one live with the old
 * quarantined. The number of live savepoints, so `keep`, is unchanged.
 * Only the newest is migrated: older live savepoints stay at their version
 * (a load falling back to one migrates it then).
 *
 * The swap is a compare-and-swap on the version read, so two processes
 * migrating the same run cannot both replace it: the second gets
 * `'raced'` and writes nothing. A live StateStore writing the run meanwhile
 * is not blocked: its newer savepoints are written at its own version.
 * User metadata is kept; `writtenAt` becomes now.
 *
 * @param storage - a writable storage whose adapter has `replaceSavepoint`
 * (every built-in backend)
 * @param runId - the run
 * @param migrations - the chain
 * @param options - codec and logger
 * @throws `TypeError` for a `storage`, `migrations` (not made by
 * `defineMigrations`) or `options` of the wrong kind, `TypeError`/
 * `RangeError` for a bad `runId`; `E_VERSION_NEWER`, `E_MIGRATION_FAILED`
 * (nothing written);
 * `E_UNSUPPORTED` for an adapter without `replaceSavepoint`;
 * `E_UNSTORABLE` when a migrated state cannot be encoded; `E_CORRUPTED`,
 * `E_STORAGE`, `E_READ_ONLY`, `E_CLOSED` from the storage.
 * @example
 * ```ts
 * const result = await migrateRun(storage, 'orders', migrations);
 * // { runId: 'orders', status: 'migrated', timestamp, from: 0, to: 2, entities: 3 }
 * ```
 */
export async function migrateRun(
  storage: StorageAdapter,
  runId: string,
  migrations: Migrations<unknown>,
  options: MigrateOptions = {},
): Promise<MigrateRunResult> {
  checkMigrateArgs(storage, migrations, options);
  const to = migrations.version;
  if (typeof storage.replaceSavepoint !== 'function') {
    throw new RunStateError(
      'E_UNSUPPORTED',
      'migrateRun needs a storage adapter with replaceSavepoint()',
      { details: { runId } },
    );
  }
  const loaded = await loadForMigration(storage, runId, options);
  if (loaded === undefined) return { runId, status: 'empty', to };
  const { timestamp, meta } = loaded;
  const from = meta.version;
  const states = await applyMigrations(migrations, loaded.states, {
    runId,
    timestamp,
    version: from,
  });
  const base = { runId, timestamp, from, to, entities: states.length };
  if (from === to) return { ...base, status: 'current' };
  const codec = options.codec ?? defaultCodec;
  const entries = states.map(([id, state]): StoredEntry => [
    id,
    codec.encode(state),
  ]);
  const outcome = await storage.replaceSavepoint(
    runId,
    {
      timestamp,
      entries,
      meta: {
        version: to,
        writtenAt: Date.now(),
        ...(meta.metadata === undefined ? {} : { metadata: meta.metadata }),
      },
    },
    { expectVersion: from },
  );
  return { ...base, status: outcome === 'replaced' ? 'migrated' : 'raced' };
}
