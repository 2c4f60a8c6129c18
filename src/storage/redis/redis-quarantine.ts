/**
 * Quarantined savepoints on Redis: listing them and restoring one, each
 * one Lua script. Redis records no quarantine time; "quarantined last" is
 * the highest quarantine number (`<ts>:<n>`).
 *
 * @packageDocumentation
 */
import { notMonotonicError, notQuarantinedError } from '../../errors.js';
import type { QuarantinedInfo } from '../types.js';
import type { RunKeys } from './redis-keys.js';
import type { RedisClientLike } from './redis-options.js';
import { asArray, decodeMeta } from './redis-savepoint.js';
import { runScript, script } from './redis-scripts.js';

/**
 * KEYS: quarantine. ARGV: base. Returns `{member, n, m or false, bytes}`
 * per quarantined savepoint, by timestamp then number.
 */
const LIST = script(`
local out = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[1] .. 'q:' .. member
  local bytes = 0
  for _, f in ipairs(redis.call('HKEYS', key)) do
    if string.sub(f, 1, 2) == 'e:' then
      bytes = bytes + redis.call('HSTRLEN', key, f)
    end
  end
  local n = redis.call('HGET', key, 'n')
  local m = redis.call('HGET', key, 'm')
  table.insert(out, {member, n or '', m or '', bytes})
end
return out
`);

/**
 * KEYS: savepoints, quarantine. ARGV: base, ts. Returns `{'NONE'}`,
 * `{'NOT_MONOTONIC', newest}` or `{'OK'}`.
 */
const RESTORE = script(`
local ts = ARGV[2]
local best, bestN = nil, -1
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], ts, ts)) do
  local mts, k = string.match(m, '^(%d+):(%d+)$')
  if mts == ts and tonumber(k) > bestN then best, bestN = m, tonumber(k) end
end
if not best then return {'NONE'} end
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= tonumber(ts) then
  return {'NOT_MONOTONIC', newest[1]}
end
redis.call('ZREM', KEYS[2], best)
redis.call('ZADD', KEYS[1], ts, ts)
local from = ARGV[1] .. 'q:' .. best
if redis.call('EXISTS', from) == 1 then
  redis.call('RENAME', from, ARGV[1] .. 'sp:' .. ts)
end
return {'OK'}
`);

/** List a run's quarantined savepoints. @internal */
export async function listQuarantined(
  client: RedisClientLike,
  keys: RunKeys,
): Promise<QuarantinedInfo[]> {
  const rows = asArray(
    await runScript(client, LIST, [keys.quarantine], [keys.base]),
  );
  return rows.map((row) => {
    const [member, n, m, bytes] = asArray(row).map((v) =>
      Buffer.isBuffer(v) ? v.toString('utf8') : String(v),
    ) as [string, string, string, string];
    const timestamp = Number(member.slice(0, member.indexOf(':')));
    return {
      ...decodeMeta(m === '' ? undefined : m),
      timestamp,
      ...(n === '' ? {} : { entities: Number(n) }),
      bytes: Number(bytes),
    };
  });
}

/** Move the savepoint quarantined last at `timestamp` back. @internal */
export async function restoreQuarantined(
  client: RedisClientLike,
  keys: RunKeys,
  runId: string,
  timestamp: number,
): Promise<void> {
  const reply = asArray(
    await runScript(
      client,
      RESTORE,
      [keys.savepoints, keys.quarantine],
      [keys.base, String(timestamp)],
    ),
  ).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)));
  if (reply[0] === 'NONE') throw notQuarantinedError(runId, timestamp);
  if (reply[0] === 'NOT_MONOTONIC') {
    throw notMonotonicError(runId, timestamp, Number(reply[1]));
  }
}
