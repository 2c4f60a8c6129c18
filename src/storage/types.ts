/**
 * The storage contract: what every backend (memory, SQLite, and any adapter a
 * user writes) must do. Backends store bytes; encoding and decoding belong to
 * the codec (`codec.ts`), and falling back past a corrupted savepoint to the
 * loader (`load-newest.ts`), so every backend gets both for free. The values
 * the contract passes are declared beside it, in `savepoint-types.ts` and
 * `lease-types.ts`, and re-exported here.
 *
 * @packageDocumentation
 */
import type { LeaseInfo, LeaseRequest, RunLease } from './lease-types.js';
import type {
  SavepointSubscriber,
  SavepointSubscription,
} from './savepoint-notices.js';
import type {
  QuarantinedInfo,
  ReplaceOutcome,
  ReplaceSavepointOptions,
  SavepointInfo,
  StoredSavepoint,
  WriteSavepointOptions,
} from './savepoint-types.js';

export type { LeaseInfo, LeaseRequest, RunLease } from './lease-types.js';
export type {
  JsonValue,
  QuarantinedInfo,
  ReplaceOutcome,
  ReplaceSavepointOptions,
  SavepointInfo,
  SavepointMeta,
  StoredEntry,
  StoredSavepoint,
  WriteSavepointOptions,
} from './savepoint-types.js';

/**
 * A storage backend for run state.
 *
 * @remarks
 * Every method returns a `Promise`, also on synchronous backends. Run ids are
 * non-empty, well-formed Unicode strings (a lone UTF-16 surrogate is a
 * `TypeError`); timestamps are non-negative safe integers.
 * A backend is opened by its own `static async open(…)`, never with I/O in a
 * constructor. After {@link StorageAdapter.close}, every method rejects with a
 * `RunStateError` of code `E_CLOSED`. Driver failures are wrapped as
 * `E_STORAGE` with the driver error as `cause`.
 *
 * Guarantees every backend gives (checked by the conformance suite):
 *
 * - **Atomic**: a crash at any instant leaves either the old set of
 *   savepoints or the old set plus the complete new one.
 * - **Monotonic**: a savepoint whose timestamp is not newer than the run's
 *   newest live savepoint is refused with `E_NOT_MONOTONIC`.
 * - **Isolated**: runs never see each other's data.
 */
export interface StorageAdapter {
  /** Whether this instance refuses writes (`E_READ_ONLY`). */
  readonly readOnly: boolean;

  /**
   * Whether the adapter has run leases: `acquireLease`, `renewLease`,
   * `releaseLease`, and fenced writes ({@link WriteSavepointOptions.lease}).
   * An adapter without them (absent or `false`) is used unfenced.
   */
  readonly leases?: boolean;

  /**
   * Take the run's lease for `request.owner`, or renew it when that owner
   * holds it already (same token). A lease that expired, or was released,
   * is taken over with a greater token. Expiry is measured on the backend's
   * clock (the database server's, where there is one).
   *
   * @throws `E_LOCKED` while another owner holds an unexpired lease
   * (`details: { runId, owner, expiresInMs }`); `E_READ_ONLY`.
   */
  acquireLease?(runId: string, request: LeaseRequest): Promise<RunLease>;

  /**
   * Extend the lease by `ttlMs` from now (on the backend's clock).
   *
   * @throws `E_FENCED` when the lease is no longer the run's current one
   * (taken over or released).
   */
  renewLease?(lease: RunLease, ttlMs: number): Promise<void>;

  /**
   * Free the run at once, for the next owner. Does nothing when the lease is
   * no longer current. Later writes fenced by it are refused (`E_FENCED`).
   */
  releaseLease?(lease: RunLease): Promise<void>;

  /**
   * The live leases (held and unexpired) whose run id starts with
   * `prefix` (every one without it), sorted by run id. Workers
   * (`startWorker`) read it to count live workers and find free runs; a
   * backend whose leases only live in one process (the file backend) has
   * none.
   */
  listLeases?(prefix?: string): Promise<LeaseInfo[]>;

  /**
   * Announce every savepoint committed from now on, by any process, to
   * `subscriber`, in commit order per run, until the subscription closes;
   * after a lost connection, tell it (`lost`), reconnect, and tell it again
   * (`resumed`). `watchSavepoints` uses it, and polls a storage without it.
   *
   * @throws `E_STORAGE` when the first connection fails.
   */
  subscribeSavepoints?(
    subscriber: SavepointSubscriber,
  ): Promise<SavepointSubscription>;

  /**
   * Whether the run was initialised ({@link StorageAdapter.initRun}, or any
   * savepoint written), even if it has no savepoint yet.
   */
  isInitialized(runId: string): Promise<boolean>;

  /**
   * Record that the run exists. Idempotent: initialising an initialised run
   * keeps its savepoints.
   *
   * @throws `E_READ_ONLY` on a read-only storage.
   */
  initRun(runId: string): Promise<void>;

  /**
   * Atomically persist one complete savepoint and delete all but the newest
   * `keep` live savepoints of the run. Initialises the run if needed.
   *
   * @throws `E_NOT_MONOTONIC` when `savepoint.timestamp` is not newer than the
   * run's newest live savepoint; nothing is written then.
   * @throws `E_FENCED` when `options.lease` is not the run's current lease;
   * nothing is written then.
   * @throws `E_READ_ONLY` on a read-only storage.
   */
  writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void>;

  /**
   * Read one live savepoint: the newest when `timestamp` is omitted.
   * Resolves `undefined` when there is none (or the run does not exist).
   */
  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined>;

  /** The newest live savepoint's timestamp, without reading its states. */
  newestTimestamp(runId: string): Promise<number | undefined>;

  /** The timestamps of the run's live savepoints, ascending. */
  listSavepoints(runId: string): Promise<number[]>;

  /**
   * The run's live savepoints with their metadata, ascending by timestamp.
   * Optional, for adapters written before it existed: `listSavepointInfo()`
   * of `runstate` falls back to reading each savepoint.
   */
  listSavepointInfo?(runId: string): Promise<SavepointInfo[]>;

  /**
   * Atomically swap the live savepoint at `savepoint.timestamp` for
   * `savepoint` (same timestamp, new states and metadata), moving the old
   * one into quarantine (kept, never deleted). The one write the monotonic
   * rule allows at an existing timestamp; the number of live savepoints,
   * so `keep`, is unchanged. Used by `migrateRun`. A crash leaves either
   * the old savepoint live or the new one live (with the old quarantined).
   * Optional: `migrateRun` refuses an adapter without it.
   *
   * @throws `E_READ_ONLY` on a read-only storage.
   */
  replaceSavepoint?(
    runId: string,
    savepoint: StoredSavepoint,
    options: ReplaceSavepointOptions,
  ): Promise<ReplaceOutcome>;

  /**
   * Delete all but the newest `keep` live savepoints.
   *
   * @returns how many savepoints were deleted
   */
  prune(runId: string, keep: number): Promise<number>;

  /**
   * Move a live savepoint aside: it is kept for inspection but no longer
   * listed, read, or counted as the newest, so the run can persist past it.
   * Used after a load fell back past a corrupted savepoint. Does nothing when
   * the savepoint does not exist.
   */
  quarantineSavepoint(runId: string, timestamp: number): Promise<void>;

  /**
   * The run's quarantined savepoints (moved aside by
   * {@link StorageAdapter.quarantineSavepoint}, a rewind, or replaced by
   * {@link StorageAdapter.replaceSavepoint}), ascending by timestamp, then
   * by when they were quarantined. One timestamp may appear more than
   * once. Optional: adapters written before it existed may lack it.
   */
  listQuarantined?(runId: string): Promise<QuarantinedInfo[]>;

  /**
   * Move a quarantined savepoint back to live, atomically: the one at
   * `timestamp` quarantined last, when several are. It must be newer than
   * every live savepoint of the run (the monotonic rule): quarantine the
   * newer ones first. Nothing is pruned: the next write prunes to its
   * `keep`. Optional, like {@link StorageAdapter.listQuarantined}.
   *
   * @throws `E_NO_SAVEPOINT` when no savepoint of the run is quarantined
   * at `timestamp`; `E_NOT_MONOTONIC` when a live savepoint at or after
   * `timestamp` exists (nothing changes then); `E_READ_ONLY`.
   */
  restoreSavepoint?(runId: string, timestamp: number): Promise<void>;

  /**
   * Delete the run with all its savepoints (quarantined ones included).
   *
   * @returns whether the run existed
   */
  deleteRun(runId: string): Promise<boolean>;

  /** Every initialised run id, sorted by code unit. */
  listRuns(): Promise<string[]>;

  /**
   * Release the backend. Idempotent; waits for in-flight writes. A
   * connection the caller passed in is not closed (see each backend).
   */
  close(): Promise<void>;

  /** Same as {@link StorageAdapter.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
