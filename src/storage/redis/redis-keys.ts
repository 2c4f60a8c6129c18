/**
 * The Redis backend's key layout. Every key starts with the storage's
 * prefix, so several storages (and other applications) can share one Redis.
 *
 * @remarks
 * With prefix `p` and a run whose id encodes to `h` (lowercase hex of its
 * UTF-8 bytes):
 *
 * - `p` + `runs`: set of every initialised run id (the raw UTF-8 id).
 * - `p` + `run:{h}:savepoints`: sorted set of the live timestamps (member
 *   and score are both the decimal timestamp).
 * - `p` + `run:{h}:sp:<ts>`: hash of one live savepoint: field `n` holds the
 *   entity count, field `e:<entityId>` each entity's state bytes, field `m`
 *   the metadata as JSON `{"v": version, "w": writtenAt, "m": metadata}`
 *   (absent in hashes written before runstate recorded metadata: read as
 *   version 0, write time unknown).
 * - `p` + `run:{h}:quarantine`: sorted set of quarantined savepoints, member
 *   `<ts>:<n>` (n is one above every number in use, so one timestamp can be quarantined
 *   twice), score the timestamp.
 * - `p` + `run:{h}:q:<ts>:<n>`: hash of a quarantined savepoint (the live
 *   hash, renamed).
 * - `p` + `run:{h}:staging:<nonce>`: hash of a savepoint being written,
 *   with an expiry, renamed to `sp:<ts>` by the commit script; and
 *   `p` + `run:{h}:staging`: set of those nonces, so `deleteRun` finds them.
 *
 * The braces are a Redis Cluster hash tag: all keys of one run share a slot.
 *
 * @internal
 * @packageDocumentation
 */

/** The default key prefix. @internal */
export const DEFAULT_PREFIX = 'runstate:';

/** The hash field holding a savepoint's entity count. @internal */
export const COUNT_FIELD = 'n';

/** The hash field holding a savepoint's metadata (JSON). @internal */
export const META_FIELD = 'm';

/** The prefix of every entity field in a savepoint hash. @internal */
export const ENTITY_FIELD_PREFIX = 'e:';

/**
 * Encode a run id for use inside a key: lowercase hex of its UTF-8 bytes,
 * which holds no `:`, `{`, `}` or glob characters, so keys stay unambiguous.
 *
 * @internal
 */
export function encodeRunId(runId: string): string {
  return Buffer.from(runId, 'utf8').toString('hex');
}

/** The keys of one run (internal to the Redis backend). */
export interface RunKeys {
  /** The set of every run id, shared by the prefix. */
  readonly runs: string;
  /** The sorted set of live timestamps. */
  readonly savepoints: string;
  /** The sorted set of quarantined savepoints. */
  readonly quarantine: string;
  /** The set of the nonces of staged savepoint hashes. */
  readonly staging: string;
  /**
   * What the scripts append `sp:<ts>` or `q:<ts>:<n>` to, for the hash of a
   * savepoint.
   */
  readonly base: string;
}

/**
 * The key of the set of every run id.
 *
 * @internal
 */
export function runsKey(prefix: string): string {
  return `${prefix}runs`;
}

/**
 * Every key of `runId` under `prefix`.
 *
 * @internal
 */
export function runKeys(prefix: string, runId: string): RunKeys {
  const base = `${prefix}run:{${encodeRunId(runId)}}:`;
  return {
    runs: runsKey(prefix),
    savepoints: `${base}savepoints`,
    quarantine: `${base}quarantine`,
    staging: `${base}staging`,
    base,
  };
}

/**
 * The key of a live savepoint's hash.
 *
 * @internal
 */
export function savepointKey(keys: RunKeys, timestamp: number): string {
  return `${keys.base}sp:${timestamp}`;
}

/**
 * The key of a staged savepoint's hash.
 *
 * @internal
 */
export function stagedKey(keys: RunKeys, nonce: string): string {
  return `${keys.base}staging:${nonce}`;
}
