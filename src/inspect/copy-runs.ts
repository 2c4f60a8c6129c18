/**
 * Copy runs between two storages (any backend to any backend), savepoint
 * by savepoint, never over newer data, and check the copy afterwards.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { RunStateError } from '../errors.js';
import { metaOf, withMeta } from '../export/index.js';
import type { StorageAdapter, StoredSavepoint } from '../storage/index.js';
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
}

/** What {@link copyRuns} did with one run. */
export interface CopiedRun {
  readonly runId: string;
  /** Timestamps written to the target, ascending. */
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
 * are (no decode and re-encode). Afterwards every copied savepoint is read
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
  const plan = await planCopy(from, to, options.runIds);
  const total = plan.reduce((n, run) => n + run.copied.length, 0);
  const digests: Digest[] = [];
  let done = 0;
  for (const run of plan) {
    if (run.copied.length === 0) await to.initRun(run.runId);
    for (const timestamp of run.copied) {
      const savepoint = await from.readSavepoint(run.runId, timestamp);
      if (savepoint === undefined) continue; // pruned meanwhile
      digests.push({ runId: run.runId, timestamp, digest: digest(savepoint) });
      await to.writeSavepoint(
        run.runId,
        withMeta(savepoint, metaOf(savepoint)),
        { keep: Number.MAX_SAFE_INTEGER },
      );
      done += 1;
      options.onProgress?.({ runId: run.runId, timestamp, done, total });
    }
  }
  const failures = await checkCopy(to, plan, digests);
  return { ok: failures.length === 0, runs: plan, failures };
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
  digests: readonly Digest[],
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
