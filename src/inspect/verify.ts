/**
 * Verify a storage: read every blob of every live savepoint and decode it.
 *
 * @packageDocumentation
 */
import { ensureError, isRunStateError } from '../errors.js';
import { defaultCodec, type Codec } from '../storage/codec/index.js';
import type { StorageAdapter } from '../storage/index.js';
import {
  checkCodecOption,
  checkOptions,
  checkRunIds,
  checkStorageArg,
} from '../validate.js';

/** One thing {@link verifyStorage} found wrong. */
export interface VerifyFailure {
  /** The run. */
  readonly runId: string;
  /** The savepoint, when the failure is in one. */
  readonly timestamp?: number;
  /** The entity, when the failure is in one state. */
  readonly entityId?: string;
  /** The error code (`E_CORRUPTED`, `E_FORMAT_VERSION`, `E_STORAGE`…). */
  readonly code: string;
  /** What is wrong, in words. */
  readonly reason: string;
}

/** The result of {@link verifyStorage}. */
export interface VerifyReport {
  /** Whether nothing failed. */
  readonly ok: boolean;
  /** How many runs, savepoints and entity states were checked. */
  readonly checked: {
    readonly runs: number;
    readonly savepoints: number;
    readonly entities: number;
  };
  /** Everything that failed, in run, timestamp, entity order. */
  readonly failures: readonly VerifyFailure[];
}

/** Options of {@link verifyStorage}. */
export interface VerifyOptions {
  /** The runs to check; every run when omitted. */
  readonly runIds?: readonly string[];
  /** The codec the states were written with. @defaultValue defaultCodec */
  readonly codec?: Codec;
}

/**
 * Read every live savepoint of the given runs and decode every state
 * (header, checksum, payload), collecting what fails instead of stopping.
 *
 * @remarks
 * A run given by id that has no savepoint is a failure (`E_NO_SAVEPOINT`).
 * One savepoint is held in memory at a time.
 *
 * @example
 * ```ts
 * const report = await verifyStorage(storage);
 * for (const f of report.failures) console.error(f.runId, f.timestamp, f.entityId, f.reason);
 * ```
 * @param storage - the storage (read-only is enough)
 * @param options - `runIds`, `codec`
 */
export async function verifyStorage(
  storage: StorageAdapter,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  checkStorageArg('storage', storage);
  checkOptions('options', options);
  checkRunIds('options.runIds', options.runIds);
  checkCodecOption('options.codec', options.codec);
  const codec = options.codec ?? defaultCodec;
  const runIds = options.runIds ?? (await storage.listRuns());
  const failures: VerifyFailure[] = [];
  const checked = { runs: 0, savepoints: 0, entities: 0 };
  for (const runId of runIds) {
    checked.runs += 1;
    const timestamps = await storage.listSavepoints(runId);
    if (timestamps.length === 0 && options.runIds !== undefined) {
      const reason = `run ${JSON.stringify(runId)} has no savepoint`;
      failures.push({ runId, code: 'E_NO_SAVEPOINT', reason });
    }
    for (const timestamp of timestamps) {
      checked.savepoints += 1;
      checked.entities += await verifySavepoint(
        storage,
        codec,
        runId,
        timestamp,
        failures,
      );
    }
  }
  return { ok: failures.length === 0, checked, failures };
}

async function verifySavepoint(
  storage: StorageAdapter,
  codec: Codec,
  runId: string,
  timestamp: number,
  failures: VerifyFailure[],
): Promise<number> {
  let savepoint;
  try {
    savepoint = await storage.readSavepoint(runId, timestamp);
  } catch (error) {
    failures.push({ runId, timestamp, ...describe(error) });
    return 0;
  }
  if (savepoint === undefined) return 0; // pruned meanwhile
  const entries = [...savepoint.entries].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  for (const [entityId, bytes] of entries) {
    try {
      codec.decode(bytes);
    } catch (error) {
      failures.push({ runId, timestamp, entityId, ...describe(error) });
    }
  }
  return entries.length;
}

function describe(error: unknown): { code: string; reason: string } {
  const e = ensureError(error);
  return { code: isRunStateError(e) ? e.code : 'E_STORAGE', reason: e.message };
}
