/**
 * A savepoint's version and user metadata, as the export, listing and copy
 * functions see them.
 *
 * @remarks
 * This file is the one place where those functions meet the storage's
 * savepoint metadata. Until the storage records a version and metadata per
 * savepoint, every stored savepoint reads as version 0 without metadata,
 * and writing a non-default version or metadata is refused rather than
 * dropped.
 *
 * @packageDocumentation
 */
import type { StoredSavepoint } from '../storage/index.js';
import { RunStateError } from '../errors.js';

/** A savepoint's version and user metadata. */
export interface SavepointMeta {
  /** The state version (0 when the storage records none). */
  readonly version: number;
  /** User metadata, when there is any. */
  readonly metadata?: unknown;
  /** When the savepoint was written (epoch ms), when the storage records it. */
  readonly writtenAt?: number;
}

/** The version and metadata of a savepoint read from storage. */
export function metaOf(savepoint: StoredSavepoint): SavepointMeta {
  const extra = savepoint as StoredSavepoint & Partial<SavepointMeta>;
  return {
    version: typeof extra.version === 'number' ? extra.version : 0,
    ...(extra.metadata === undefined ? {} : { metadata: extra.metadata }),
    ...(typeof extra.writtenAt === 'number'
      ? { writtenAt: extra.writtenAt }
      : {}),
  };
}

/**
 * The savepoint to write so that it keeps `meta`.
 *
 * @throws `E_INVALID_IMPORT` for a non-zero version or metadata, which the
 * storage cannot record yet
 */
export function withMeta(
  savepoint: StoredSavepoint,
  meta: SavepointMeta,
): StoredSavepoint {
  if (meta.version === 0 && meta.metadata === undefined) return savepoint;
  throw new RunStateError(
    'E_INVALID_IMPORT',
    `savepoint ${savepoint.timestamp} has version ${meta.version}${meta.metadata === undefined ? '' : ' and metadata'}, which this storage cannot record`,
    { details: { timestamp: savepoint.timestamp, version: meta.version } },
  );
}
