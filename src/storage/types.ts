/**
 * The storage contract: what every backend (memory, SQLite, and any adapter a
 * user writes) must do. Backends store bytes; encoding and decoding belong to
 * the codec (`codec.ts`), and falling back past a corrupted savepoint to the
 * loader (`load-newest.ts`), so every backend gets both for free.
 *
 * @packageDocumentation
 */

/** One entity's encoded state inside a savepoint: `[entityId, bytes]`. */
export type StoredEntry = readonly [entityId: string, bytes: Uint8Array];

/** A JSON value: what savepoint metadata may hold. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * What a savepoint records beside its states (see `docs/migrations.md`).
 *
 * @remarks
 * Savepoints written before runstate recorded metadata (schema 1 of the SQL
 * backends, file format 1, Redis hashes without an `m` field) read as
 * `version: 0`, the default version, with `writtenAt` where the backend kept
 * it (SQLite and Postgres did) and no `metadata`.
 */
export interface SavepointMeta {
  /**
   * The application's state version that wrote it: a non-negative safe
   * integer, 0 by default.
   */
  readonly version: number;
  /**
   * Wall-clock time it was written (epoch ms); `undefined` when the
   * backend did not record it (savepoints of file format 1 and old Redis
   * hashes).
   */
  readonly writtenAt?: number;
  /**
   * Small user metadata (a build id, a git sha): JSON, at most 60 KiB once
   * serialised.
   */
  readonly metadata?: JsonValue;
}

/**
 * A savepoint as storage sees it: a scheduled timestamp and each entity's
 * encoded state. Entity ids are unique within a savepoint.
 */
export interface StoredSavepoint {
  /** The scheduled timestamp (epoch ms) at which every state is valid. */
  readonly timestamp: number;
  /** Every registered entity's encoded state, in no particular order. */
  readonly entries: readonly StoredEntry[];
  /**
   * Version, write time and user metadata. Optional when writing (version
   * 0, written now, no metadata); every read through `BaseStorage` returns
   * it.
   */
  readonly meta?: SavepointMeta;
}

/** One live savepoint as {@link StorageAdapter.listSavepointInfo} lists it. */
export interface SavepointInfo extends SavepointMeta {
  /** The savepoint's scheduled timestamp. */
  readonly timestamp: number;
}

/**
 * One quarantined savepoint as {@link StorageAdapter.listQuarantined} lists
 * it.
 */
export interface QuarantinedInfo extends SavepointMeta {
  /** The savepoint's scheduled timestamp. */
  readonly timestamp: number;
  /**
   * When it was quarantined (epoch ms), where the backend records it
   * (memory, SQLite, file); `undefined` otherwise.
   */
  readonly quarantinedAt?: number;
  /** How many entity states it holds, where known without reading them. */
  readonly entities?: number;
  /** The bytes of its states, where known without reading them. */
  readonly bytes?: number;
  /**
   * Why its metadata could not be read (a corrupted savepoint file on the
   * file backend); `version` then reads 0.
   */
  readonly unreadable?: string;
}

/** Options of {@link StorageAdapter.replaceSavepoint}. */
export interface ReplaceSavepointOptions {
  /**
   * Replace only when the live savepoint still has this version (a
   * compare-and-swap, so two migrating processes cannot both replace it).
   */
  readonly expectVersion: number;
}

/**
 * What {@link StorageAdapter.replaceSavepoint} did: `'replaced'`, or why
 * not: `'missing'` (no live savepoint at that timestamp: pruned,
 * quarantined or never written) or `'conflict'` (its version is not
 * `expectVersion` any more).
 */
export type ReplaceOutcome = 'replaced' | 'missing' | 'conflict';

/** Options of {@link StorageAdapter.writeSavepoint}. */
export interface WriteSavepointOptions {
  /**
   * How many savepoints (the new one included) to keep; older ones are
   * deleted in the same atomic step. At least 1.
   */
  readonly keep: number;
}

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
