/**
 * Export one savepoint as NDJSON lines of tagged JSON.
 *
 * @packageDocumentation
 */
import { RunStateError, isRunStateError } from '../errors.js';
import { defaultCodec, type Codec } from '../storage/codec/index.js';
import type { StorageAdapter, StoredSavepoint } from '../storage/index.js';
import {
  checkCodecOption,
  checkId,
  checkOptions,
  checkStorageArg,
  checkTimestamp,
} from '../validate.js';
import { entityLine, headerLine } from './export-format.js';
import { metaOf } from './savepoint-meta.js';
import { encodeTagged } from './tagged-encode.js';

/** Options of {@link exportSavepoint}. */
export interface ExportSavepointOptions {
  /** The savepoint's timestamp; the newest live savepoint when omitted. */
  readonly at?: number;
  /** The codec the states were written with. @defaultValue defaultCodec */
  readonly codec?: Codec;
}

/**
 * Export one live savepoint as the lines of an export file
 * (`docs/export-format.md`).
 *
 * @remarks
 * Yields the header line first, then one line per entity in entity-id
 * order, each ending in `\n`. States are decoded and written one at a time,
 * so memory holds the savepoint's stored bytes (as the storage returns
 * them) and one entity's state, never the whole file. The same savepoint
 * always gives the same bytes.
 *
 * @example
 * ```ts
 * import { createWriteStream } from 'node:fs';
 * import { Readable } from 'node:stream';
 * import { pipeline } from 'node:stream/promises';
 *
 * await pipeline(
 *   Readable.from(exportSavepoint(storage, 'orders')),
 *   createWriteStream('orders.ndjson'),
 * );
 * ```
 * @param storage - the storage to read from
 * @param runId - the run
 * @param options - `at`, `codec`
 * @throws `E_NO_SAVEPOINT` when the run has no such live savepoint;
 * `E_CORRUPTED`/`E_FORMAT_VERSION` (naming the entity) for a state that
 * cannot be decoded; `E_UNSTORABLE` for a decoded value with no tagged form
 * @see {@link importSavepoint}
 */
export async function* exportSavepoint(
  storage: StorageAdapter,
  runId: string,
  options: ExportSavepointOptions = {},
): AsyncGenerator<string, void, undefined> {
  checkStorageArg('storage', storage, ['readSavepoint']);
  checkId('runId', runId);
  checkOptions('options', options);
  if (options.at !== undefined) checkTimestamp('options.at', options.at);
  checkCodecOption('options.codec', options.codec);
  const codec = options.codec ?? defaultCodec;
  const savepoint = await readOrThrow(storage, runId, options.at);
  const meta = metaOf(savepoint);
  const entries = [...savepoint.entries].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const metadata =
    meta.metadata === undefined ? undefined : encodeTagged(meta.metadata);
  const header = {
    runId,
    timestamp: savepoint.timestamp,
    version: meta.version,
    entities: entries.length,
  };
  yield `${headerLine(header, metadata)}\n`;
  for (const [id, bytes] of entries) {
    const state = decodeEntity(codec, runId, savepoint.timestamp, id, bytes);
    yield `${entityLine(id, encodeTagged(state))}\n`;
  }
}

/** Read a live savepoint, or throw `E_NO_SAVEPOINT` naming run and time. */
export async function readOrThrow(
  storage: StorageAdapter,
  runId: string,
  at?: number,
): Promise<StoredSavepoint> {
  const savepoint = await storage.readSavepoint(runId, at);
  if (savepoint !== undefined) return savepoint;
  const which = at === undefined ? 'no savepoint' : `no live savepoint ${at}`;
  throw new RunStateError(
    'E_NO_SAVEPOINT',
    `run ${JSON.stringify(runId)} has ${which}`,
    { details: { runId, ...(at === undefined ? {} : { timestamp: at }) } },
  );
}

/** Decode one entity's state, naming run, timestamp and entity on failure. */
export function decodeEntity(
  codec: Codec,
  runId: string,
  timestamp: number,
  entityId: string,
  bytes: Uint8Array,
): unknown {
  try {
    return codec.decode(bytes);
  } catch (error) {
    if (!isRunStateError(error)) throw error;
    throw new RunStateError(
      error.code,
      `entity ${JSON.stringify(entityId)} of savepoint ${timestamp} of run ${JSON.stringify(runId)}: ${error.message}`,
      {
        cause: error,
        details: { ...error.details, runId, timestamp, entityId },
      },
    );
  }
}
