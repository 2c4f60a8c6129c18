/**
 * How a savepoint is read back from its Redis hash (with `HGETALL`, or the
 * read script when that races a writer), and the reply shapes the backend
 * decodes. Writing one is `redis-write.ts`.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../../errors.js';
import {
  COUNT_FIELD,
  ENTITY_FIELD_PREFIX,
  META_FIELD,
  savepointKey,
  type RunKeys,
} from './redis-keys.js';
import type { RedisClientLike } from './redis-options.js';
import { BUFFER_REPLIES, SCRIPTS, runScript } from './redis-scripts.js';
import type {
  JsonValue,
  SavepointMeta,
  StoredEntry,
  StoredSavepoint,
} from '../types.js';

const ENTITY_PREFIX_BYTES = Buffer.from(ENTITY_FIELD_PREFIX, 'utf8');

/**
 * Metadata from an `m` field (`undefined`: a hash written before metadata
 * was recorded, version 0).
 *
 * @internal
 */
export function decodeMeta(field: string | undefined): SavepointMeta {
  if (field === undefined) return { version: 0 };
  const { v, w, m } = JSON.parse(field) as {
    v: number;
    w?: number;
    m?: JsonValue;
  };
  return {
    version: v,
    ...(w === undefined ? {} : { writtenAt: w }),
    ...(m === undefined ? {} : { metadata: m }),
  };
}

function corrupted(
  runId: string,
  timestamp: number,
  details: Readonly<Record<string, unknown>>,
): RunStateError {
  return new RunStateError(
    'E_CORRUPTED',
    `savepoint ${timestamp} of run ${JSON.stringify(runId)} is incomplete in Redis: its hash does not hold the recorded entities`,
    { details: { runId, timestamp, ...details } },
  );
}

/**
 * Decode a read (`nil` or `[ts, [field, value, …]]`, bulk strings as
 * Buffers) into a savepoint whose `Uint8Array`s are views of the reply's
 * Buffers (no copy: node-redis never reuses a reply's memory).
 *
 * @throws `E_CORRUPTED` when the hash is missing or its entity count does
 * not match the recorded one.
 * @internal
 */
function decodeSavepoint(
  reply: unknown,
  runId: string,
): StoredSavepoint | undefined {
  if (reply === null || reply === undefined) return undefined;
  const [ts, fields] = reply as [Buffer, Buffer[]];
  const timestamp = Number(ts.toString('latin1'));
  const entries: StoredEntry[] = [];
  let count: number | undefined;
  let meta: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const field = fields[i] as Buffer;
    const value = fields[i + 1] as Buffer;
    if (
      field.subarray(0, ENTITY_PREFIX_BYTES.length).equals(ENTITY_PREFIX_BYTES)
    ) {
      entries.push([
        field.subarray(ENTITY_PREFIX_BYTES.length).toString('utf8'),
        new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
      ]);
    } else if (field.toString('latin1') === COUNT_FIELD) {
      count = Number(value.toString('latin1'));
    } else if (field.toString('latin1') === META_FIELD) {
      meta = value.toString('utf8');
    }
  }
  if (count !== entries.length) {
    throw corrupted(runId, timestamp, {
      entityCount: count,
      rows: entries.length,
    });
  }
  return { timestamp, entries, meta: decodeMeta(meta) };
}

/**
 * A reply that must be an array.
 *
 * @internal
 */
export function asArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) {
    throw new TypeError(`unexpected Redis reply ${typeof reply}`);
  }
  return reply;
}

/**
 * Sorted-set members (decimal timestamps) as numbers.
 *
 * @internal
 */
export function toTimestamps(reply: unknown): number[] {
  return asArray(reply).map((member) => Number(String(member)));
}

/**
 * The live sorted-set member for `timestamp` (the newest without one), if
 * any.
 *
 * @internal
 */
export async function liveMember(
  client: RedisClientLike,
  keys: RunKeys,
  timestamp: number | undefined,
): Promise<string | undefined> {
  if (timestamp === undefined) {
    const newest = asArray(
      await client.sendCommand(['ZRANGE', keys.savepoints, '-1', '-1']),
    );
    return newest.length === 0 ? undefined : String(newest[0]);
  }
  const member = String(timestamp);
  const score = await client.sendCommand(['ZSCORE', keys.savepoints, member]);
  return score === null || score === undefined ? undefined : member;
}

/**
 * Read one live savepoint (the newest without `timestamp`): its timestamp
 * from the sorted set, then its hash with one `HGETALL`.
 *
 * @remarks
 * A hash is only ever created (renamed in) and removed together with its
 * sorted-set member, inside one script, so a non-empty `HGETALL` is a
 * complete savepoint that was live at that instant; and it is the newest
 * then too when asked for the newest (a commit only adds newer ones). An
 * empty one may be a savepoint pruned or quarantined since the first read,
 * possibly written again at the same timestamp since, or a missing hash
 * (corruption): two plain commands cannot tell these apart, so the read
 * script then does both steps atomically. Plain commands on the usual path
 * because the script costs ~3× an `HGETALL` for a 10 MB hash (Lua copies
 * every field in and out) and blocks the server meanwhile.
 *
 * @throws `E_CORRUPTED` when its hash is missing or incomplete.
 * @internal
 */
export async function readSavepoint(
  client: RedisClientLike,
  keys: RunKeys,
  runId: string,
  timestamp: number | undefined,
): Promise<StoredSavepoint | undefined> {
  const member = await liveMember(client, keys, timestamp);
  if (member === undefined) return undefined;
  const hash = savepointKey(keys, Number(member));
  const fields = asArray(
    await client.sendCommand(['HGETALL', hash], BUFFER_REPLIES),
  );
  if (fields.length > 0) {
    return decodeSavepoint([Buffer.from(member, 'latin1'), fields], runId);
  }
  const reply = await runScript(
    client,
    SCRIPTS.read,
    [keys.savepoints],
    [keys.base, timestamp === undefined ? '' : String(timestamp)],
  );
  return decodeSavepoint(reply, runId);
}
