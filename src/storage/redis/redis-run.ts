/**
 * The Redis backend's run-level commands: the run registry (`SISMEMBER`,
 * `SADD`, `SMEMBERS`), the live sorted set, and the scripts that prune,
 * quarantine and delete atomically.
 *
 * @packageDocumentation
 */
import type { RedisConnection } from './redis-connection.js';
import { runsKey, type RunKeys } from './redis-keys.js';
import type { RedisClientLike } from './redis-options.js';
import { asArray, liveMember, toTimestamps } from './redis-savepoint.js';
import { BUFFER_REPLIES, SCRIPTS } from './redis-scripts.js';

/** Whether the run is registered. @internal */
export async function isInitialized(
  client: RedisClientLike,
  keys: RunKeys,
  runId: string,
): Promise<boolean> {
  const args = ['SISMEMBER', keys.runs, runId];
  return (await client.sendCommand(args)) === 1;
}

/** Register the run. @internal */
export async function initRun(
  client: RedisClientLike,
  keys: RunKeys,
  runId: string,
): Promise<void> {
  await client.sendCommand(['SADD', keys.runs, runId]);
}

/** The newest live savepoint's timestamp. @internal */
export async function newestTimestamp(
  client: RedisClientLike,
  keys: RunKeys,
): Promise<number | undefined> {
  const member = await liveMember(client, keys, undefined);
  return member === undefined ? undefined : Number(member);
}

/** The live savepoints' timestamps, oldest first. @internal */
export async function listSavepoints(
  client: RedisClientLike,
  keys: RunKeys,
): Promise<number[]> {
  const args = ['ZRANGE', keys.savepoints, '0', '-1'];
  return toTimestamps(await client.sendCommand(args));
}

/** Delete all but the newest `keep` live savepoints. @internal */
export async function prune(
  connection: RedisConnection,
  keys: RunKeys,
  keep: number,
): Promise<number> {
  const pruned = await connection.script(
    SCRIPTS.prune,
    [keys.savepoints],
    [keys.base, String(keep)],
  );
  return Number(pruned);
}

/** Quarantine the live savepoint at `timestamp`. @internal */
export async function quarantine(
  connection: RedisConnection,
  keys: RunKeys,
  timestamp: number,
): Promise<void> {
  await connection.script(
    SCRIPTS.quarantine,
    [keys.savepoints, keys.quarantine],
    [keys.base, String(timestamp)],
  );
}

/** Delete everything of the run; whether it existed. @internal */
export async function deleteRun(
  connection: RedisConnection,
  keys: RunKeys,
  runId: string,
): Promise<boolean> {
  const existed = await connection.script(
    SCRIPTS.deleteRun,
    [keys.runs, keys.savepoints, keys.quarantine, keys.staging],
    [runId, keys.base],
  );
  return existed === 1;
}

/** The registered run ids, sorted. @internal */
export async function listRuns(
  client: RedisClientLike,
  prefix: string,
): Promise<string[]> {
  const reply = await client.sendCommand(
    ['SMEMBERS', runsKey(prefix)],
    BUFFER_REPLIES,
  );
  return asArray(reply)
    .map((id) => Buffer.from(id as Buffer).toString('utf8'))
    .sort();
}
