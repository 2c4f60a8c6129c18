/**
 * The savepoint values of the storage contract (`types.ts`): a stored
 * savepoint and its entries, its metadata, what listing reports, and the
 * options and outcomes of writing and replacing one.
 *
 * @packageDocumentation
 */
import type { RunLease } from './lease-types.js';

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
  /**
   * Fence the write with this lease (from
   * {@link StorageAdapter.acquireLease}): the backend checks, atomically
   * with the write, that the lease is still the run's current one, and
   * otherwise refuses with `E_FENCED`, writing nothing. Without it, the
   * write is not fenced. Only on an adapter with `leases: true`.
   */
  readonly lease?: RunLease;
}
