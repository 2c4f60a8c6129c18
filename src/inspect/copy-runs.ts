/**
 * Copy runs between two storages (any backend to any backend), savepoint
 * by savepoint, never over newer data, and check the copy afterwards.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { RunStateError, ensureError } from '../errors.js';
import { checkMigrationChain, type Migrations } from '../migrate/index.js';
import { defaultCodec, type Codec } from '../storage/codec/index.js';
import type { StorageAdapter, StoredSavepoint } from '../storage/index.js';
import { savepointToWrite } from './copy-migrate.js';
import {
  checkCodecOption,
  checkFunction,
  checkOptions,
  checkRunIds,
  checkStorageArg,
} from '../validate.js';
import { verifyStorage, type VerifyFailure } from './verify.js';

/** Progress of {@link copyRuns}, after each savepoint written. */
export interface CopyProgress {
  readonly runId: string;
  readonly timestamp: number;
  /** Savepoints written so far, over every run. */
  readonly done: number;
  /** Savepoints to write, over every run. */
  readonly total: number;
}

/** Options of {@link copyRuns}. */
export interface CopyRunsOptions {
  /** The runs to copy; every run of the source when omitted. */
  readonly runIds?: readonly string[];
  /** Called after each savepoint written. */
  readonly onProgress?: (progress: CopyProgress) => void;
  /**
   * Migrate each savepoint through this chain on the way: the target gets
   * the chain's version. Without it, bytes are copied as they are.
   */
  readonly migrations?: Migrations<unknown>;
  /**
   * The codec the savepoints were written with (only used with
   * `migrations`). @defaultValue `defaultCodec`
   */
  readonly codec?: Codec;
}

/** What {@link copyRuns} did with one run. */
export interface CopiedRun {
  readonly runId: string;
  /**
   * Timestamps written to the target, ascending. With `migrations`, a
   * savepoint that cannot be migrated stops its run: it and the newer ones
   * are left out, and the reason is in {@link CopyReport.failures}.
   */
  readonly copied: readonly number[];
  /** Timestamps left out: not newer than the target's newest savepoint. */
  readonly skipped: readonly number[];
}

/** The result of {@link copyRuns}. */
export interface CopyReport {
  /** Whether the copy verified: same bytes, every state decodes. */
  readonly ok: boolean;
  readonly runs: readonly CopiedRun[];
  /** What the verification found wrong in the target. */
  readonly failures: readonly VerifyFailure[];
}

/**
 * Copy the live savepoints of runs from one storage to another.
 *
 * @remarks
 * For each run, the source's live savepoints newer than the target's newest
 * one are written oldest first, each with one atomic `writeSavepoint` that
 * keeps the target's other savepoints; older ones are skipped, so newer
 * data in the target is never overwritten. Stored bytes are copied as they
 * are (no decode and re-encode), unless `migrations` is given: then each
 * savepoint below the chain's version is decoded, migrated and encoded
 * again, and written at the chain's version (timestamp, metadata and write
 * time kept). A savepoint newer than the chain (`E_VERSION_NEWER`) or one
 * whose migration fails (`E_MIGRATION_FAILED`) is not written, nor are the
 * newer savepoints of its run: the failure is in the report and `ok` is
 * false; the other runs are copied. Afterwards every copied savepoint is read
 * back from the target, compared with a digest of the source's bytes, and
 * every state in it is decoded. One savepoint is in memory at a time.
 *
 * @example
 * ```ts
 * const report = await copyRuns(sqlite, postgres, { runIds: ['orders'] });
 * if (!report.ok) console.error(report.failures);
 * ```
 * @param from - the source storage (read-only is enough)
 * @param to - the target storage (writable)
 * @param options - `runIds`, `onProgress`
 * @throws `E_NO_SAVEPOINT` for a run given by id that the source does not have
 */
export async function copyRuns(
  from: StorageAdapter,
  to: StorageAdapter,
  options: CopyRunsOptions = {},
): Promise<CopyReport> {
  checkCopyArgs(from, to, options);
  const plan = await planCopy(from, to, options.runIds);
  const total = plan.reduce((n, run) => n + run.copied.length, 0);
  const state: CopyState = { digests: [], failures: [], done: 0, total };
  const runs: CopiedRun[] = [];
  for (const run of plan) {
    runs.push(await copyRun(from, to, run, options, state));
  }
  const failures = [...state.failures, ...(await checkCopy(to, runs, state))];
  return { ok: failures.length === 0, runs, failures };
}

/** Check copyRuns' arguments (TypeError/RangeError naming the bad one). */
function checkCopyArgs(from: unknown, to: unknown, options: unknown): void {
  checkStorageArg('from', from);
  checkStorageArg('to', to, [
    'newestTimestamp',
    'writeSavepoint',
    'readSavepoint',
    'listSavepoints',
  ]);
  checkOptions('options', options);
  const o = options as CopyRunsOptions;
  checkRunIds('options.runIds', o.runIds);
  if (o.onProgress !== undefined)
    checkFunction('options.onProgress', o.onProgress);
  if (o.migrations !== undefined)
    checkMigrationChain('options.migrations', o.migrations);
  checkCodecOption('options.codec', o.codec);
}

/** What a copy collects over its runs. */
interface CopyState {
  readonly digests: Digest[];
  readonly failures: VerifyFailure[];
  done: number;
  readonly total: number;
}

/** Copy one run's planned savepoints, oldest first; what was copied. */
async function copyRun(
  from: StorageAdapter,
  to: StorageAdapter,
  run: CopiedRun,
  options: CopyRunsOptions,
  state: CopyState,
): Promise<CopiedRun> {
  const { runId } = run;
  const copied: number[] = [];
  if (run.copied.length === 0) await to.initRun(runId);
  for (const timestamp of run.copied) {
    const savepoint = await from.readSavepoint(runId, timestamp);
    if (savepoint === undefined) continue; // pruned meanwhile
    let write: StoredSavepoint;
    try {
      const codec = options.codec ?? defaultCodec;
      write = await savepointToWrite(
        runId,
        savepoint,
        options.migrations,
        codec,
      );
    } catch (error) {
      const e = ensureError(error);
      const code = e instanceof RunStateError ? e.code : 'E_MIGRATION_FAILED';
      state.failures.push({ runId, timestamp, code, reason: e.message });
      break; // newer savepoints must not pass over a hole
    }
    state.digests.push({ runId, timestamp, digest: digest(write) });
    await to.writeSavepoint(runId, write, { keep: Number.MAX_SAFE_INTEGER });
    copied.push(timestamp);
    state.done += 1;
    const { done, total } = state;
    options.onProgress?.({ runId, timestamp, done, total });
  }
  return { ...run, copied };
}

interface Digest {
  readonly runId: string;
  readonly timestamp: number;
  readonly digest: string;
}

async function planCopy(
  from: StorageAdapter,
  to: StorageAdapter,
  runIds: readonly string[] | undefined,
): Promise<CopiedRun[]> {
  const plan: CopiedRun[] = [];
  for (const runId of runIds ?? (await from.listRuns())) {
    if (!(await from.isInitialized(runId))) {
      throw new RunStateError(
        'E_NO_SAVEPOINT',
        `run ${JSON.stringify(runId)} does not exist in the source`,
        { details: { runId } },
      );
    }
    const newest = (await to.newestTimestamp(runId)) ?? -1;
    const all = await from.listSavepoints(runId);
    plan.push({
      runId,
      copied: all.filter((ts) => ts > newest),
      skipped: all.filter((ts) => ts <= newest),
    });
  }
  return plan;
}

/** A digest of a savepoint's entries, independent of their order. */
function digest(savepoint: StoredSavepoint): string {
  const hash = createHash('sha256');
  const sorted = [...savepoint.entries].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  for (const [id, bytes] of sorted) {
    hash.update(`${id.length}:${id}:${bytes.byteLength}:`).update(bytes);
  }
  return hash.digest('hex');
}

async function checkCopy(
  to: StorageAdapter,
  plan: readonly CopiedRun[],
  { digests }: CopyState,
): Promise<VerifyFailure[]> {
  const failures: VerifyFailure[] = [];
  for (const { runId, timestamp, digest: expected } of digests) {
    const copy = await to.readSavepoint(runId, timestamp);
    if (copy === undefined || digest(copy) !== expected) {
      const reason =
        copy === undefined
          ? 'missing in the target'
          : 'the copied bytes differ';
      failures.push({ runId, timestamp, code: 'E_CORRUPTED', reason });
    }
  }
  const runIds = plan.filter((r) => r.copied.length > 0).map((r) => r.runId);
  if (runIds.length > 0) {
    failures.push(...(await verifyStorage(to, { runIds })).failures);
  }
  return failures;
}
