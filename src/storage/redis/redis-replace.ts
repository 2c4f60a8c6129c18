/**
 * The Redis backend's metadata listing and in-place replacement (used by
 * `migrateRun`).
 *
 * @packageDocumentation
 */
import { RunStateError } from '../../errors.js';
import {
  META_FIELD,
  savepointKey,
  stagedKey,
  type RunKeys,
} from './redis-keys.js';
import type { RedisClientLike } from './redis-options.js';
import { asArray, decodeMeta, toTimestamps } from './redis-savepoint.js';
import { stage } from './redis-write.js';
import { SCRIPTS, runScript } from './redis-scripts.js';
import type {
  ReplaceOutcome,
  SavepointInfo,
  StoredSavepoint,
} from '../types.js';

/**
 * The live savepoints with their metadata: the sorted set, then one
 * pipelined `HGET m` per savepoint (a savepoint pruned in between is left
 * out).
 *
 * @internal
 */
export async function listSavepointInfo(
  client: RedisClientLike,
  keys: RunKeys,
): Promise<SavepointInfo[]> {
  const timestamps = toTimestamps(
    await client.sendCommand(['ZRANGE', keys.savepoints, '0', '-1']),
  );
  const metas = await Promise.all(
    timestamps.map((ts) =>
      client.sendCommand(['HGET', savepointKey(keys, ts), META_FIELD]),
    ),
  );
  const infos: SavepointInfo[] = [];
  for (const [i, timestamp] of timestamps.entries()) {
    const meta = metas[i];
    if (meta === null || meta === undefined) {
      const exists = await client.sendCommand([
        'EXISTS',
        savepointKey(keys, timestamp),
      ]);
      if (Number(exists) === 0) continue;
    }
    const text =
      typeof meta === 'string'
        ? meta
        : Buffer.isBuffer(meta)
          ? meta.toString('utf8')
          : undefined;
    infos.push({ ...decodeMeta(text), timestamp });
  }
  return infos;
}

/**
 * Stage the new savepoint, then swap it in with one script that also
 * quarantines the old hash: both happen, or neither.
 *
 * @internal
 */
export async function replaceSavepoint(
  client: RedisClientLike,
  keys: RunKeys,
  runId: string,
  savepoint: StoredSavepoint,
  expectVersion: number,
): Promise<ReplaceOutcome> {
  const nonce = await stage(client, keys, savepoint);
  const reply = await runScript(
    client,
    SCRIPTS.replace,
    [keys.savepoints, keys.quarantine, keys.staging, stagedKey(keys, nonce)],
    [keys.base, String(savepoint.timestamp), String(expectVersion), nonce],
  );
  const status = String(asArray(reply)[0]);
  if (status === 'OK') return 'replaced';
  if (status === 'MISSING') return 'missing';
  if (status === 'CONFLICT') return 'conflict';
  throw new RunStateError(
    'E_STORAGE',
    `savepoint ${savepoint.timestamp} of run ${JSON.stringify(runId)} was not replaced: ${status}`,
    { details: { runId, timestamp: savepoint.timestamp, status } },
  );
}
