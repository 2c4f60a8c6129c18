/**
 * Loading the newest decodable savepoint of a run, falling back past
 * corrupted ones. Works on every {@link StorageAdapter}, read-only ones
 * included: it never writes.
 *
 * @packageDocumentation
 */
import { isRunStateError, RunStateError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import {
  checkId,
  checkOptions,
  checkStorageArg,
  given,
  show,
} from '../validate.js';
import { defaultCodec, type Codec } from './codec/index.js';
import { DEFAULT_META } from './savepoint-meta.js';
import type {
  SavepointMeta,
  StorageAdapter,
  StoredSavepoint,
} from './types.js';

/** The result of {@link loadNewestSavepoint}. */
export interface LoadedSavepoint {
  /** The timestamp of the savepoint that was loaded. */
  readonly timestamp: number;
  /** Every entity's decoded state, as `[entityId, state]` pairs. */
  readonly states: [string, unknown][];
  /**
   * The savepoint's version, write time and user metadata (version 0 for a
   * savepoint written before versions were recorded).
   */
  readonly meta: SavepointMeta;
  /**
   * Timestamps of newer savepoints skipped because they were corrupted,
   * newest first. The caller quarantines them before its next write.
   */
  readonly skipped: number[];
}

/** Why one savepoint could not be loaded. */
interface Failure {
  readonly error: RunStateError;
  /** The entity whose bytes failed to decode, when known. */
  readonly entityId?: string;
}

/** A savepoint's decoded states and its metadata. */
interface Decoded {
  readonly states: [string, unknown][];
  readonly meta: SavepointMeta;
}

/** Decode every entry, or report the first `E_CORRUPTED` one. */
function decodeAll(
  codec: Codec,
  savepoint: StoredSavepoint,
): Decoded | Failure {
  const { entries } = savepoint;
  const states = new Array<[string, unknown]>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [entityId, bytes] = entries[i] as StoredSavepoint['entries'][number];
    try {
      states[i] = [entityId, codec.decode(bytes)];
    } catch (error) {
      if (!isRunStateError(error, 'E_CORRUPTED')) throw error;
      return { error, entityId };
    }
  }
  return { states, meta: savepoint.meta ?? DEFAULT_META };
}

/**
 * Read and decode one savepoint: its states, a failure when it is
 * corrupted, or `undefined` when it vanished (pruned by another writer).
 * Any error other than `E_CORRUPTED` is thrown.
 */
async function tryLoad(
  storage: StorageAdapter,
  codec: Codec,
  runId: string,
  timestamp: number,
): Promise<Decoded | Failure | undefined> {
  let savepoint: StoredSavepoint | undefined;
  try {
    savepoint = await storage.readSavepoint(runId, timestamp);
  } catch (error) {
    if (!isRunStateError(error, 'E_CORRUPTED')) throw error;
    return { error };
  }
  return savepoint === undefined ? undefined : decodeAll(codec, savepoint);
}

/** Options of {@link loadNewestSavepoint}. */
export interface LoadNewestOptions {
  /**
   * Decodes each entity's bytes.
   *
   * @defaultValue {@link defaultCodec}
   */
  readonly codec?: Codec;
  /**
   * Receives one warning per skipped savepoint.
   *
   * @defaultValue {@link silentLogger}
   */
  readonly logger?: Logger;
}

/**
 * Load the newest savepoint of a run that decodes, falling back to older
 * ones past corrupted savepoints.
 *
 * @remarks
 * Reads the newest live savepoint and decodes every entry with
 * `codec.decode`. When that fails with `E_CORRUPTED` (from the codec, or
 * from a backend that detected damaged rows), it logs
 * `logger.warn({ runId, timestamp, err }, 'skipping corrupted savepoint')`,
 * records the timestamp in `skipped`, and tries the next older savepoint
 * (from `storage.listSavepoints`). It never writes, so it works on
 * read-only storage; moving skipped savepoints aside
 * (`storage.quarantineSavepoint`) is the caller's job, before its next
 * write. An `E_FORMAT_VERSION` failure is rethrown at once: data written by
 * a newer runstate is never skipped in favour of older data.
 *
 * Two call forms: `(storage, runId, options?)`, where the codec defaults to
 * `defaultCodec` and the logger to `silentLogger`, and the older
 * `(storage, codec, runId, logger?)`.
 *
 * @param storage - where the run's savepoints are
 * @param runId - the run to load
 * @param options - the codec and the logger, both optional
 * @returns the loaded timestamp, the decoded states and the skipped
 * timestamps (newest first)
 * @throws `E_NO_SAVEPOINT` when the run has no savepoint; `E_CORRUPTED`
 * when none decodes (its `cause` is the newest savepoint's failure, its
 * details `{ runId, timestamps }`); `E_FORMAT_VERSION` from the codec;
 * `E_CLOSED`/`E_STORAGE` from the storage; `TypeError`/`RangeError` for a
 * bad `runId`; `TypeError` for a codec without `decode` or a logger
 * without `warn`.
 * @example
 * ```ts
 * const { timestamp, states, skipped } = await loadNewestSavepoint(
 *   storage,
 *   'run-1',
 * );
 * for (const ts of skipped) await storage.quarantineSavepoint('run-1', ts);
 * ```
 */
export function loadNewestSavepoint(
  storage: StorageAdapter,
  runId: string,
  options?: LoadNewestOptions,
): Promise<LoadedSavepoint>;
/**
 * The older form: the codec before the run id, the logger after it.
 *
 * @param storage - where the run's savepoints are
 * @param codec - decodes each entity's bytes; `defaultCodec` when undefined
 * @param runId - the run to load
 * @param logger - receives one warning per skipped savepoint; silent when
 * omitted
 */
export function loadNewestSavepoint(
  storage: StorageAdapter,
  codec: Codec | undefined,
  runId: string,
  logger?: Logger,
): Promise<LoadedSavepoint>;
export async function loadNewestSavepoint(
  storage: StorageAdapter,
  second: string | Codec | undefined,
  third?: string | LoadNewestOptions,
  fourth?: Logger,
): Promise<LoadedSavepoint> {
  // The older form has a codec (an object, or undefined) second.
  const older = second === undefined || typeof second === 'object';
  const [runId, options] = older
    ? [third, { codec: second, logger: fourth }]
    : [second, third as LoadNewestOptions | undefined];
  checkStorageArg('storage', storage, ['listSavepoints', 'readSavepoint']);
  checkId('runId', runId);
  const { codec, logger } = checkLoadOptions(options);
  return loadFrom(storage, codec, runId as string, logger);
}

function checkLoadOptions(options: unknown): Required<LoadNewestOptions> {
  checkOptions('options', options);
  const o = (options ?? {}) as LoadNewestOptions;
  const codec = given(o.codec, defaultCodec);
  if (typeof (codec as Partial<Codec> | null)?.decode !== 'function') {
    throw new TypeError(`codec must have a decode method, got ${show(codec)}`);
  }
  const logger = given(o.logger, silentLogger);
  if (typeof (logger as Partial<Logger> | null)?.warn !== 'function') {
    throw new TypeError(`logger must have a warn method, got ${show(logger)}`);
  }
  return { codec, logger };
}

async function loadFrom(
  storage: StorageAdapter,
  codec: Codec,
  runId: string,
  logger: Logger,
): Promise<LoadedSavepoint> {
  const timestamps = await storage.listSavepoints(runId);
  const skipped: number[] = [];
  let newestFailure: RunStateError | undefined;
  for (let i = timestamps.length - 1; i >= 0; i--) {
    const timestamp = timestamps[i] as number;
    const loaded = await tryLoad(storage, codec, runId, timestamp);
    if (loaded === undefined) continue;
    if ('states' in loaded) return { timestamp, ...loaded, skipped };
    const { error: err, entityId } = loaded;
    logger.warn(
      {
        runId,
        timestamp,
        ...(entityId === undefined ? {} : { entityId }),
        err,
      },
      'skipping corrupted savepoint',
    );
    skipped.push(timestamp);
    newestFailure ??= err;
  }
  if (newestFailure === undefined) {
    throw new RunStateError(
      'E_NO_SAVEPOINT',
      `run ${JSON.stringify(runId)} has no persisted savepoint`,
      { details: { runId } },
    );
  }
  throw new RunStateError(
    'E_CORRUPTED',
    `none of the ${skipped.length} savepoints of run ${JSON.stringify(runId)} decodes (${skipped.join(', ')})`,
    { cause: newestFailure, details: { runId, timestamps: skipped } },
  );
}
