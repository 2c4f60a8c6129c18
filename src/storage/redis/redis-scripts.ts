/**
 * The Lua scripts of the Redis backend, and how they are run. Each script
 * executes atomically on the server: no other command runs in between, and
 * a client that dies mid-call either ran the whole script or none of it.
 *
 * @remarks
 * Timestamps travel as decimal strings and are only turned into Lua numbers
 * to compare them (doubles hold every safe integer exactly); keys are built
 * from the strings, never from Lua's number formatting.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import type { RedisClientLike } from './redis-options.js';

/** `RESP_TYPES.BLOB_STRING` of node-redis. */
const BLOB_STRING = 36;
/** `RESP_TYPES.MAP` of node-redis (RESP3 maps, such as `HGETALL`'s reply). */
const MAP = 37;

/**
 * Command options making every bulk string reply a `Buffer` and a RESP3 map
 * a flat `[field, value, …]` array, as RESP2 and Lua replies are. @internal
 */
export const BUFFER_REPLIES = Object.freeze({
  typeMapping: Object.freeze({ [BLOB_STRING]: Buffer, [MAP]: Array }),
});

/** Delete all but the newest `keep` live savepoints; count them. */
const PRUNE_BODY = `
local function prune(zset, base, keep)
  local excess = redis.call('ZCARD', zset) - keep
  if excess <= 0 then return 0 end
  local old = redis.call('ZRANGE', zset, 0, excess - 1)
  for _, ts in ipairs(old) do redis.call('UNLINK', base .. 'sp:' .. ts) end
  redis.call('ZREMRANGEBYRANK', zset, 0, excess - 1)
  return excess
end
`;

/**
 * The next quarantine number: one above every number in use, so numbers
 * grow with the order of quarantine even after a restore removed one.
 */
const NEXT_QUARANTINE = `
local function next_quarantine(zset)
  local n = 1
  for _, m in ipairs(redis.call('ZRANGE', zset, 0, -1)) do
    local k = tonumber(string.match(m, ':(%d+)$'))
    if k and k >= n then n = k + 1 end
  end
  return n
end
`;

/**
 * Commit a staged savepoint. KEYS: runs, savepoints, staging set, staged
 * hash. ARGV: runId, base, ts, keep, nonce, notice channel, version.
 * Publishes `<ts>:<version>:<runId>` on the channel once committed. Returns `{'NOT_MONOTONIC',
 * newest}`, `{'STAGING_LOST'}` (the staged hash is gone: it expired
 * before the commit) or `{'OK'}`. Also forgets staged hashes that expired.
 */
const COMMIT = `${PRUNE_BODY}
local ts = ARGV[3]
redis.call('SREM', KEYS[3], ARGV[5])
for _, nonce in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('EXISTS', ARGV[2] .. 'staging:' .. nonce) == 0 then
    redis.call('SREM', KEYS[3], nonce)
  end
end
local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
if newest[2] and tonumber(newest[2]) >= tonumber(ts) then
  redis.call('UNLINK', KEYS[4])
  return {'NOT_MONOTONIC', newest[1]}
end
if redis.call('EXISTS', KEYS[4]) == 0 then return {'STAGING_LOST'} end
redis.call('SADD', KEYS[1], ARGV[1])
local key = ARGV[2] .. 'sp:' .. ts
redis.call('RENAME', KEYS[4], key)
redis.call('PERSIST', key)
redis.call('ZADD', KEYS[2], ts, ts)
prune(KEYS[2], ARGV[2], tonumber(ARGV[4]))
redis.call('PUBLISH', ARGV[6], ts .. ':' .. ARGV[7] .. ':' .. ARGV[1])
return {'OK'}
`;

/** KEYS: savepoints. ARGV: base, keep. Returns how many were deleted. */
const PRUNE = `${PRUNE_BODY}
return prune(KEYS[1], ARGV[1], tonumber(ARGV[2]))
`;

/**
 * KEYS: savepoints. ARGV: base, ts or '' for the newest. Returns nil or
 * `{ts, {field, value, …}}`.
 */
const READ = `
local ts = ARGV[2]
if ts == '' then
  ts = redis.call('ZRANGE', KEYS[1], -1, -1)[1]
  if not ts then return false end
elseif not redis.call('ZSCORE', KEYS[1], ts) then
  return false
end
return {ts, redis.call('HGETALL', ARGV[1] .. 'sp:' .. ts)}
`;

/**
 * Swap a live savepoint for a staged one, quarantining the old one. KEYS:
 * savepoints, quarantine, staging set, staged hash. ARGV: base, ts,
 * expected version, nonce. Returns `{'MISSING'}`, `{'CONFLICT'}`,
 * `{'STAGING_LOST'}` or `{'OK'}`.
 */
const REPLACE = `${NEXT_QUARANTINE}
local ts = ARGV[2]
redis.call('SREM', KEYS[3], ARGV[4])
if not redis.call('ZSCORE', KEYS[1], ts) then
  redis.call('UNLINK', KEYS[4])
  return {'MISSING'}
end
local from = ARGV[1] .. 'sp:' .. ts
local meta = redis.call('HGET', from, 'm')
local version = 0
if meta then version = cjson.decode(meta)['v'] end
if version ~= tonumber(ARGV[3]) then
  redis.call('UNLINK', KEYS[4])
  return {'CONFLICT'}
end
if redis.call('EXISTS', KEYS[4]) == 0 then return {'STAGING_LOST'} end
local member = ts .. ':' .. next_quarantine(KEYS[2])
redis.call('ZADD', KEYS[2], ts, member)
redis.call('RENAME', from, ARGV[1] .. 'q:' .. member)
redis.call('RENAME', KEYS[4], from)
redis.call('PERSIST', from)
return {'OK'}
`;

/** KEYS: savepoints, quarantine. ARGV: base, ts. Returns 1 when moved. */
const QUARANTINE = `${NEXT_QUARANTINE}
local ts = ARGV[2]
if not redis.call('ZSCORE', KEYS[1], ts) then return 0 end
redis.call('ZREM', KEYS[1], ts)
local member = ts .. ':' .. next_quarantine(KEYS[2])
redis.call('ZADD', KEYS[2], ts, member)
local from = ARGV[1] .. 'sp:' .. ts
if redis.call('EXISTS', from) == 1 then
  redis.call('RENAME', from, ARGV[1] .. 'q:' .. member)
end
return 1
`;

/**
 * KEYS: runs, savepoints, quarantine, staging set. ARGV: runId, base.
 * Deletes every key of the run, staged hashes included; returns 1 when the
 * run existed.
 */
const DELETE_RUN = `
local existed = redis.call('SREM', KEYS[1], ARGV[1])
for _, ts in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  redis.call('UNLINK', ARGV[2] .. 'sp:' .. ts)
end
for _, m in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  redis.call('UNLINK', ARGV[2] .. 'q:' .. m)
end
for _, nonce in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  redis.call('UNLINK', ARGV[2] .. 'staging:' .. nonce)
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
return existed
`;

/** A Lua script with its SHA1, for EVALSHA. @internal */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

/** A script and its SHA1. @internal */
export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** Every script of the backend. @internal */
export const SCRIPTS = Object.freeze({
  commit: script(COMMIT),
  prune: script(PRUNE),
  read: script(READ),
  quarantine: script(QUARANTINE),
  replace: script(REPLACE),
  deleteRun: script(DELETE_RUN),
});

/**
 * Run `s` with EVALSHA, falling back to EVAL (which caches it again) when
 * the server lost it (`NOSCRIPT`, after a restart or `SCRIPT FLUSH`).
 *
 * @internal
 */
export async function runScript(
  client: RedisClientLike,
  s: Script,
  keys: readonly string[],
  args: readonly (string | Buffer)[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await client.sendCommand(
      ['EVALSHA', s.sha, ...tail],
      BUFFER_REPLIES,
    );
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) {
      throw error;
    }
    return client.sendCommand(['EVAL', s.source, ...tail], BUFFER_REPLIES);
  }
}

/**
 * Load every script into the server's cache (`SCRIPT LOAD`), which also
 * checks that the connection works.
 *
 * @internal
 */
export async function loadScripts(client: RedisClientLike): Promise<void> {
  for (const s of Object.values(SCRIPTS)) {
    await client.sendCommand(['SCRIPT', 'LOAD', s.source]);
  }
}
