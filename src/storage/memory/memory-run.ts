/**
 * One run's data in `MemoryStorage`: its live and quarantined savepoint
 * copies, and the operations that move copies between the two (quarantine,
 * replace, restore) and list the quarantined ones.
 *
 * @packageDocumentation
 */
import { notMonotonicError, notQuarantinedError } from '../../errors.js';
import { metaOf } from '../savepoint-meta.js';
import type {
  QuarantinedInfo,
  ReplaceOutcome,
  SavepointMeta,
  StoredEntry,
  StoredSavepoint,
} from '../types.js';

/** A stored savepoint, its bytes copied. @internal */
export interface StoredCopy {
  readonly timestamp: number;
  readonly entries: readonly StoredEntry[];
  readonly meta: SavepointMeta;
  /** When it was quarantined (quarantined copies only). */
  readonly quarantinedAt?: number;
}

/** One run's savepoints. @internal */
export interface RunData {
  /** Live savepoints, ascending by timestamp. */
  readonly live: StoredCopy[];
  /** Savepoints moved aside by `quarantineSavepoint`, kept for inspection. */
  readonly quarantined: StoredCopy[];
}

/** Entries with their bytes copied. @internal */
export function copyEntries(entries: readonly StoredEntry[]): StoredEntry[] {
  return entries.map(([id, bytes]) => [id, new Uint8Array(bytes)] as const);
}

/** A copy of `savepoint` to store: bytes and metadata copied. @internal */
export function storedCopy(savepoint: StoredSavepoint): StoredCopy {
  const { timestamp, entries } = savepoint;
  const meta = structuredClone(metaOf(savepoint));
  return { timestamp, entries: copyEntries(entries), meta };
}

/** `_replaceSavepoint` on the run's data (`undefined`: no run). @internal */
export function replaceIn(
  run: RunData | undefined,
  savepoint: StoredSavepoint,
  expectVersion: number,
): ReplaceOutcome {
  const { timestamp } = savepoint;
  const index = run?.live.findIndex((sp) => sp.timestamp === timestamp);
  if (run === undefined || index === undefined || index < 0) {
    return 'missing';
  }
  const old = run.live[index] as StoredCopy;
  if (old.meta.version !== expectVersion) return 'conflict';
  run.live[index] = storedCopy(savepoint);
  run.quarantined.push({ ...old, quarantinedAt: Date.now() });
  return 'replaced';
}

/** `_quarantineSavepoint` on the run's data. @internal */
export function quarantineIn(
  run: RunData | undefined,
  timestamp: number,
): void {
  const index = run?.live.findIndex((sp) => sp.timestamp === timestamp);
  if (run === undefined || index === undefined || index < 0) return;
  const [moved] = run.live.splice(index, 1) as [StoredCopy];
  run.quarantined.push({ ...moved, quarantinedAt: Date.now() });
}

/** `_listQuarantined` of the run's data, by timestamp. @internal */
export function quarantinedInfo(run: RunData | undefined): QuarantinedInfo[] {
  const list = run?.quarantined ?? [];
  return list
    .map((sp) => ({
      ...structuredClone(sp.meta),
      timestamp: sp.timestamp,
      quarantinedAt: sp.quarantinedAt as number,
      entities: sp.entries.length,
      bytes: sp.entries.reduce((n, [, b]) => n + b.byteLength, 0),
    }))
    .sort((a, b) => a.timestamp - b.timestamp);
}

/** `_restoreSavepoint` on the run's data. @internal */
export function restoreIn(
  run: RunData | undefined,
  runId: string,
  timestamp: number,
): void {
  const index =
    run?.quarantined.findLastIndex((sp) => sp.timestamp === timestamp) ?? -1;
  if (run === undefined || index < 0) {
    throw notQuarantinedError(runId, timestamp);
  }
  const newest = run.live.at(-1)?.timestamp;
  if (newest !== undefined && newest >= timestamp) {
    throw notMonotonicError(runId, timestamp, newest);
  }
  const [moved] = run.quarantined.splice(index, 1) as [StoredCopy];
  const { timestamp: ts, entries, meta } = moved;
  run.live.push({ timestamp: ts, entries, meta });
}
