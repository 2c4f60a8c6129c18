/**
 * What a storage holds, summarised: its runs, and a run's savepoints.
 *
 * @packageDocumentation
 */
import { metaOf } from '../export/index.js';
import type { StorageAdapter, StoredSavepoint } from '../storage/index.js';
import { checkId, checkStorageArg } from '../validate.js';

/** One run, as {@link summarizeRuns} lists it. */
export interface RunSummary {
  /** The run id. */
  readonly runId: string;
  /** How many live savepoints it has. */
  readonly savepoints: number;
  /** The newest live savepoint's timestamp, if any. */
  readonly newest?: number;
  /** The newest savepoint's state version (0 for a savepoint written before versions). */
  readonly version?: number;
  /** The newest savepoint's stored state bytes. */
  readonly bytes?: number;
}

/** One live savepoint, as {@link summarizeSavepoints} lists it. */
export interface SavepointSummary {
  /** Its scheduled timestamp (epoch ms). */
  readonly timestamp: number;
  /** How many entities it holds. */
  readonly entities: number;
  /** The total size of its stored states, in bytes. */
  readonly bytes: number;
  /** Its state version (0 for a savepoint written before versions). */
  readonly version: number;
  /** Its user metadata, when it has any. */
  readonly metadata?: unknown;
  /** When it was written (epoch ms), when the storage records it. */
  readonly writtenAt?: number;
}

/** The stored bytes of a savepoint's states. */
export function savepointBytes(savepoint: StoredSavepoint): number {
  let bytes = 0;
  for (const [, state] of savepoint.entries) bytes += state.byteLength;
  return bytes;
}

/**
 * Every run of a storage with its savepoint count and its newest
 * savepoint's timestamp, version and size.
 *
 * @remarks
 * Reads each run's newest savepoint (for its size), nothing else.
 *
 * @example
 * ```ts
 * for (const run of await summarizeRuns(storage)) console.log(run.runId);
 * ```
 * @param storage - the storage (read-only is enough)
 */
export async function summarizeRuns(
  storage: StorageAdapter,
): Promise<RunSummary[]> {
  checkStorageArg('storage', storage);
  const out: RunSummary[] = [];
  for (const runId of await storage.listRuns()) {
    const timestamps = await storage.listSavepoints(runId);
    const newest = timestamps.at(-1);
    const savepoint =
      newest === undefined
        ? undefined
        : await storage.readSavepoint(runId, newest);
    out.push({
      runId,
      savepoints: timestamps.length,
      ...(savepoint === undefined
        ? {}
        : {
            newest: savepoint.timestamp,
            version: metaOf(savepoint).version,
            bytes: savepointBytes(savepoint),
          }),
    });
  }
  return out;
}

/**
 * Every live savepoint of a run, oldest first, with its entity count,
 * size, version and metadata.
 *
 * @remarks
 * Reads every live savepoint of the run. Quarantined savepoints are not
 * listed: the storage contract has no way to list them.
 *
 * @param storage - the storage (read-only is enough)
 * @param runId - the run
 * @returns an empty list for a run without savepoints (or no such run)
 */
export async function summarizeSavepoints(
  storage: StorageAdapter,
  runId: string,
): Promise<SavepointSummary[]> {
  checkStorageArg('storage', storage);
  checkId('runId', runId);
  const out: SavepointSummary[] = [];
  for (const timestamp of await storage.listSavepoints(runId)) {
    const savepoint = await storage.readSavepoint(runId, timestamp);
    if (savepoint === undefined) continue; // pruned meanwhile
    const { version, metadata, writtenAt } = metaOf(savepoint);
    out.push({
      timestamp,
      entities: savepoint.entries.length,
      bytes: savepointBytes(savepoint),
      version,
      ...(metadata === undefined ? {} : { metadata }),
      ...(writtenAt === undefined ? {} : { writtenAt }),
    });
  }
  return out;
}
