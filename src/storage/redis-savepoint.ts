/**
 * How a savepoint is laid out in its Redis hash: turning entries into the
 * write script's arguments, and the read script's reply back into a
 * savepoint.
 *
 * @internal
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';
import {
  COUNT_FIELD,
  ENTITY_FIELD_PREFIX,
  type RunKeys,
} from './redis-keys.js';
import type { RedisClientLike } from './redis-options.js';
import { SCRIPTS, runScript } from './redis-scripts.js';
import type { StoredEntry, StoredSavepoint } from './types.js';

const ENTITY_PREFIX_BYTES = Buffer.from(ENTITY_FIELD_PREFIX, 'utf8');

/** Bytes as a Buffer over the same memory (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The write script's ARGV: runId, base, ts, keep, count, then one
 * `e:<entityId>`, bytes pair per entity.
 *
 * @internal
 */
function writeArgs(
  runId: string,
  keys: RunKeys,
  timestamp: number,
  keep: number,
  entries: readonly StoredEntry[],
): (string | Buffer)[] {
  const args: (string | Buffer)[] = [
    runId,
    keys.base,
    String(timestamp),
    String(keep),
    String(entries.length),
  ];
  for (const [id, bytes] of entries) {
    args.push(ENTITY_FIELD_PREFIX + id, asBuffer(bytes));
  }
  return args;
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
 * Decode the read script's reply (`nil` or `[ts, [field, value, …]]`, bulk
 * strings as Buffers) into a savepoint with fresh `Uint8Array`s.
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
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const field = fields[i] as Buffer;
    const value = fields[i + 1] as Buffer;
    if (
      field.subarray(0, ENTITY_PREFIX_BYTES.length).equals(ENTITY_PREFIX_BYTES)
    ) {
      entries.push([
        field.subarray(ENTITY_PREFIX_BYTES.length).toString('utf8'),
        new Uint8Array(value),
      ]);
    } else if (field.toString('latin1') === COUNT_FIELD) {
      count = Number(value.toString('latin1'));
    }
  }
  if (count !== entries.length) {
    throw corrupted(runId, timestamp, {
      entityCount: count,
      rows: entries.length,
    });
  }
  return { timestamp, entries };
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
 * Write one savepoint and prune with the write script.
 *
 * @throws `E_NOT_MONOTONIC` when the script found a newer or equal one.
 * @internal
 */
export async function writeSavepoint(
  client: RedisClientLike,
  keys: RunKeys,
  runId: string,
  { timestamp, entries }: StoredSavepoint,
  keep: number,
): Promise<void> {
  const reply = await runScript(
    client,
    SCRIPTS.write,
    [keys.runs, keys.savepoints],
    writeArgs(runId, keys, timestamp, keep, entries),
  );
  const [status, newestMember] = asArray(reply).map((v) => String(v));
  if (status === 'OK') return;
  if (status !== 'NOT_MONOTONIC') {
    throw new TypeError(`unexpected write script reply ${String(status)}`);
  }
  const newest = Number(newestMember);
  throw new RunStateError(
    'E_NOT_MONOTONIC',
    `savepoint ${timestamp} of run ${JSON.stringify(runId)} is not newer than the newest persisted one (${newest})`,
    { details: { runId, timestamp, newest } },
  );
}

/**
 * Read one live savepoint (the newest without `timestamp`) with the read
 * script.
 *
 * @throws `E_CORRUPTED` when its hash is incomplete.
 * @internal
 */
export async function readSavepoint(
  client: RedisClientLike,
  keys: RunKeys,
  runId: string,
  timestamp: number | undefined,
): Promise<StoredSavepoint | undefined> {
  const reply = await runScript(
    client,
    SCRIPTS.read,
    [keys.savepoints],
    [keys.base, timestamp === undefined ? '' : String(timestamp)],
  );
  return decodeSavepoint(reply, runId);
}
