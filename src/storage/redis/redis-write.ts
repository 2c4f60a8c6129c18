/**
 * How a savepoint is written to its Redis hash: staging its entries under a
 * fresh nonce, then committing them (and pruning) with one script.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { RunStateError } from '../../errors.js';
import { metaOf } from '../savepoint-meta.js';
import {
  COUNT_FIELD,
  ENTITY_FIELD_PREFIX,
  META_FIELD,
  stagedKey,
  type RunKeys,
} from './redis-keys.js';
import type { RedisClientLike } from './redis-options.js';
import { asArray } from './redis-savepoint.js';
import { SCRIPTS, runScript } from './redis-scripts.js';
import type { RunLease, StoredSavepoint } from '../types.js';
import { fencedError } from '../lease-rules.js';
import { LEASE_SCRIPTS, leaseKey, tokenOf } from './redis-lease.js';
import { noticeChannel } from './redis-notify.js';

/** Bytes as a Buffer over the same memory (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Field-value pairs per staging HSET (pipelined, so a few per write). */
const FIELDS_PER_HSET = 1_000;
/** How long a staged hash lives if its writer dies before the commit. */
const STAGING_TTL_MS = 10 * 60_000;

/**
 * Stage a savepoint's hash under a fresh nonce: register the nonce, then
 * `HSET` its fields in pipelined chunks, the first with the entity count,
 * and give it an expiry. Nothing is visible to readers until the commit.
 */
export async function stage(
  client: RedisClientLike,
  keys: RunKeys,
  savepoint: StoredSavepoint,
): Promise<string> {
  const { entries } = savepoint;
  const nonce = randomBytes(8).toString('hex');
  const key = stagedKey(keys, nonce);
  const ttl = String(STAGING_TTL_MS);
  // The expiry comes before the states: a connection lost part-way leaves
  // a hash that expires.
  const sends: Promise<unknown>[] = [
    client.sendCommand(['SADD', keys.staging, nonce]),
    client.sendCommand(['PEXPIRE', keys.staging, ttl]),
    client.sendCommand([
      'HSET',
      key,
      COUNT_FIELD,
      String(entries.length),
      META_FIELD,
      encodeMeta(savepoint),
    ]),
    client.sendCommand(['PEXPIRE', key, ttl]),
  ];
  for (let i = 0; i < entries.length; i += FIELDS_PER_HSET) {
    const args: (string | Buffer)[] = ['HSET', key];
    for (const [id, bytes] of entries.slice(i, i + FIELDS_PER_HSET)) {
      args.push(ENTITY_FIELD_PREFIX + id, asBuffer(bytes));
    }
    sends.push(client.sendCommand(args));
  }
  await Promise.all(sends);
  return nonce;
}

/** A savepoint's metadata as its hash's `m` field holds it. */
function encodeMeta(savepoint: StoredSavepoint): string {
  const { version, writtenAt, metadata } = metaOf(savepoint);
  return JSON.stringify(
    metadata === undefined
      ? { v: version, w: writtenAt }
      : { v: version, w: writtenAt, m: metadata },
  );
}

/**
 * Write one savepoint: stage its hash, then commit it and prune with one
 * script (the monotonic check, the rename to its live key and the prune are
 * atomic; a writer that dies before the commit leaves only a staged hash,
 * which expires and which `deleteRun` removes).
 *
 * @throws `E_NOT_MONOTONIC` when the script found a newer or equal one.
 * @internal
 */
export async function writeSavepoint(
  client: RedisClientLike,
  keys: RunKeys,
  runId: string,
  savepoint: StoredSavepoint,
  keep: number,
  fence?: RunLease,
): Promise<void> {
  const { timestamp } = savepoint;
  const nonce = await stage(client, keys, savepoint);
  const args = [
    runId,
    keys.base,
    String(timestamp),
    String(keep),
    nonce,
    noticeChannel(keys.runs.slice(0, -'runs'.length)),
    String(savepoint.meta?.version ?? 0),
  ];
  const reply = await commit(client, keys, nonce, args, fence);
  const [status, newestMember] = asArray(reply).map((v) => String(v));
  if (status === 'OK') return;
  throw commitFailure(status, newestMember, runId, timestamp, fence);
}

/** Run the commit script (the fenced one with a lease) on a staged hash. */
function commit(
  client: RedisClientLike,
  keys: RunKeys,
  nonce: string,
  args: string[],
  fence: RunLease | undefined,
): Promise<unknown> {
  const commitKeys = [keys.runs, keys.savepoints, keys.staging];
  return fence === undefined
    ? runScript(
        client,
        SCRIPTS.commit,
        [...commitKeys, stagedKey(keys, nonce)],
        args,
      )
    : runScript(
        client,
        LEASE_SCRIPTS.fencedCommit,
        [...commitKeys, stagedKey(keys, nonce), leaseKey(keys)],
        [...args, fence.owner, String(fence.token)],
      );
}

/** The error for a commit script's reply other than `OK`. */
function commitFailure(
  status: string | undefined,
  newestMember: string | undefined,
  runId: string,
  timestamp: number,
  fence: RunLease | undefined,
): Error {
  if (status === 'FENCED' && fence !== undefined) {
    return fencedError(fence, 'writeSavepoint', tokenOf(newestMember));
  }
  if (status === 'STAGING_LOST') {
    return new RunStateError(
      'E_STORAGE',
      `savepoint ${timestamp} of run ${JSON.stringify(runId)} was not written: its staged hash expired before the commit`,
      { details: { runId, timestamp } },
    );
  }
  if (status !== 'NOT_MONOTONIC') {
    return new TypeError(`unexpected write script reply ${String(status)}`);
  }
  const newest = Number(newestMember);
  return new RunStateError(
    'E_NOT_MONOTONIC',
    `savepoint ${timestamp} of run ${JSON.stringify(runId)} is not newer than the newest persisted one (${newest})`,
    { details: { runId, timestamp, newest } },
  );
}
