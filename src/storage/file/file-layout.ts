/**
 * The names of the file backend's directory layout (documented in
 * `docs/storage-file.md`): one directory per run, named by a hash of its id,
 * holding `run.json`, `lock`, one file per live savepoint and
 * `quarantine/`.
 *
 * @packageDocumentation
 */
import { createHash, randomBytes } from 'node:crypto';

/** The run's registration: its real id, written once, atomically. */
export const RUN_META = 'run.json';
/** The write lock of the process that writes the run. */
export const LOCK = 'lock';
/** Where quarantined savepoints are moved, kept but never listed. */
export const QUARANTINE = 'quarantine';
/** Prefix of a run directory being deleted (renamed away first). */
export const DELETED_PREFIX = '.deleted-';
/** Every temporary file ends so; leftovers are garbage. */
export const TEMP_SUFFIX = '.tmp';

const SAVEPOINT_NAME = /^(\d{16})\.savepoint$/;
const RUN_DIR_NAME = /^[0-9a-f]{64}$/;

/**
 * The directory name of a run: the SHA-256 (hex) of its id's UTF-16LE code
 * units, so every id, lone surrogates and NUL included, gets its own safe,
 * fixed-length name.
 *
 * @internal
 */
export function runDirName(runId: string): string {
  return createHash('sha256')
    .update(Buffer.from(runId, 'utf16le'))
    .digest('hex');
}

/** Whether a root entry's name can be a run directory. @internal */
export function isRunDirName(name: string): boolean {
  return RUN_DIR_NAME.test(name);
}

/**
 * A live savepoint's file name: its timestamp, zero-padded to 16 digits
 * (every safe integer fits), so names sort like timestamps.
 *
 * @internal
 */
export function savepointName(timestamp: number): string {
  return `${String(timestamp).padStart(16, '0')}.savepoint`;
}

/** The live savepoints' timestamps among a run directory's names, ascending. @internal */
export function liveTimestamps(names: readonly string[]): number[] {
  const timestamps: number[] = [];
  for (const name of names) {
    const digits = SAVEPOINT_NAME.exec(name)?.[1];
    if (digits !== undefined) timestamps.push(Number(digits));
  }
  return timestamps.sort((a, b) => a - b);
}

/** A short random suffix for unique names. @internal */
export function uniqueSuffix(): string {
  return randomBytes(6).toString('hex');
}

/** A temporary file name next to the final `name`. @internal */
export function tempName(name: string): string {
  return `${name}.${uniqueSuffix()}${TEMP_SUFFIX}`;
}

/**
 * The name of a quarantined savepoint inside `quarantine/`: its timestamp,
 * when it was quarantined, and a random suffix (one timestamp may be
 * quarantined more than once).
 *
 * @internal
 */
export function quarantineName(timestamp: number, now: number): string {
  const ts = String(timestamp).padStart(16, '0');
  return `${ts}-${String(now).padStart(13, '0')}-${uniqueSuffix()}.savepoint`;
}

/**
 * A quarantined file's name: `[name, timestamp, quarantinedAt]`.
 *
 * @internal
 */
export const QUARANTINED_NAME = /^(\d{16})-(\d{13})-[0-9a-f]+\.savepoint$/;

/**
 * The `quarantinedAt` of the next file quarantined among `names` (the
 * files in `quarantine/`): `now`, or one past the newest one there, so the
 * order of quarantines is the order of their names even within one
 * millisecond (a restore takes the one quarantined last).
 *
 * @internal
 */
export function quarantineStamp(names: readonly string[], now: number): number {
  let newest = -1;
  for (const name of names) {
    const at = QUARANTINED_NAME.exec(name)?.[2];
    if (at !== undefined) newest = Math.max(newest, Number(at));
  }
  return Math.max(now, newest + 1);
}
