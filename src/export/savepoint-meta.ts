/**
 * A savepoint's version and user metadata, as the export, listing and copy
 * functions see them.
 *
 * @remarks
 * This file is the one place where those functions meet the storage's
 * savepoint metadata (`StoredSavepoint.meta`): a savepoint written before
 * versions were recorded reads as version 0 without metadata.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';
import type { JsonValue, StoredSavepoint } from '../storage/index.js';

/** A savepoint's version and user metadata. */
export interface SavepointMeta {
  /** The state version (0 for a savepoint written before versions). */
  readonly version: number;
  /** User metadata, when there is any. */
  readonly metadata?: unknown;
  /** When the savepoint was written (epoch ms), when the storage records it. */
  readonly writtenAt?: number;
}

/**
 * The version and metadata of a savepoint read from storage.
 *
 * @param savepoint - as `readSavepoint` returned it
 * @returns its version (0 when absent), metadata and write time when known
 */
export function metaOf(savepoint: StoredSavepoint): SavepointMeta {
  const meta = savepoint.meta;
  return {
    version: meta?.version ?? 0,
    ...(meta?.metadata === undefined ? {} : { metadata: meta.metadata }),
    ...(meta?.writtenAt === undefined ? {} : { writtenAt: meta.writtenAt }),
  };
}

/**
 * The savepoint to write so that it keeps `meta`.
 *
 * @param savepoint - the timestamp and encoded entries
 * @param meta - the version, metadata and write time to keep (a missing
 * write time becomes the time of the write)
 * @returns the savepoint with its `meta`
 * @throws `E_INVALID_IMPORT` for metadata that is not JSON (the storage
 * records JSON only)
 */
export function withMeta(
  savepoint: StoredSavepoint,
  meta: SavepointMeta,
): StoredSavepoint {
  if (meta.metadata !== undefined && !isJson(meta.metadata, 0)) {
    throw new RunStateError(
      'E_INVALID_IMPORT',
      `savepoint ${savepoint.timestamp} has metadata that is not JSON, which storage cannot record`,
      { details: { timestamp: savepoint.timestamp, path: '$.metadata' } },
    );
  }
  return {
    timestamp: savepoint.timestamp,
    entries: savepoint.entries,
    meta: {
      version: meta.version,
      ...(meta.writtenAt === undefined ? {} : { writtenAt: meta.writtenAt }),
      ...(meta.metadata === undefined
        ? {}
        : { metadata: meta.metadata as JsonValue }),
    },
  };
}

/** Whether `value` is plain JSON (what the storage's metadata holds). */
function isJson(value: unknown, depth: number): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string') return true;
  if (typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJson(v, depth + 1));
  if (typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => isJson(v, depth + 1));
}
