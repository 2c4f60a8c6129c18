/**
 * Run leases of the Redis backend: a hash per run (`p` + `run:{h}:lease`,
 * fields `owner`, `token`, `expires`), changed only by scripts that read
 * the server's clock (`TIME`), and the fenced commit: the lease check
 * prepended to the commit script, so check and commit are one atomic step.
 * The hash is never deleted (not even by `deleteRun`), so tokens only grow.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { fencedError, leaseLockedError } from '../lease-rules.js';
import type { LeaseInfo, LeaseRequest, RunLease } from '../types.js';
import type { RedisConnection } from './redis-connection.js';
import type { RunKeys } from './redis-keys.js';
import { SCRIPTS, type Script } from './redis-scripts.js';

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: lease, lease index. ARGV: owner, ttlMs, runId. Returns
 * `{'OK', token}` or `{'LOCKED', owner, msLeft}`. Also drops expired
 * members of the index.
 */
const ACQUIRE = `${NOW}
local l = redis.call('HMGET', KEYS[1], 'owner', 'token', 'expires')
local owner, token, expires = l[1], tonumber(l[2] or '0'), tonumber(l[3] or '0')
local live = owner and owner ~= '' and expires > now
if live and owner ~= ARGV[1] then
  return {'LOCKED', owner, tostring(expires - now)}
end
if not live then token = token + 1 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token,
  'expires', now + tonumber(ARGV[2]))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[3])
return {'OK', tostring(token)}
`;

/**
 * KEYS: lease, lease index. ARGV: owner, token, ttlMs, runId. Returns
 * `{'OK'}` or `{'FENCED', token}`.
 */
const RENEW = `${NOW}
local l = redis.call('HMGET', KEYS[1], 'owner', 'token')
if l[1] ~= ARGV[1] or l[2] ~= ARGV[2] then return {'FENCED', l[2] or ''} end
redis.call('HSET', KEYS[1], 'expires', now + tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
return {'OK'}
`;

/** KEYS: lease, lease index. ARGV: owner, token, runId. Frees a current lease. */
const RELEASE = `
local l = redis.call('HMGET', KEYS[1], 'owner', 'token')
if l[1] ~= ARGV[1] or l[2] ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'owner', '', 'expires', 0)
redis.call('ZREM', KEYS[2], ARGV[3])
return 1
`;

/**
 * KEYS: lease index. ARGV: run id prefix, key prefix. Returns `{runId,
 * owner, token, msLeft, …}` of the live leases whose run id starts with
 * the prefix (each read from its run's lease hash).
 */
const LIST = `${NOW}
local out = {}
local n = #ARGV[1]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  if string.sub(id, 1, n) == ARGV[1] then
    local hex = string.gsub(id, '.', function(c)
      return string.format('%02x', string.byte(c)) end)
    local l = redis.call('HMGET', ARGV[2] .. 'run:{' .. hex .. '}:lease',
      'owner', 'token', 'expires')
    local expires = tonumber(l[3] or '0')
    if l[1] and l[1] ~= '' and expires > now then
      table.insert(out, id)
      table.insert(out, l[1])
      table.insert(out, l[2])
      table.insert(out, tostring(expires - now))
    end
  end
end
return out
`;

/**
 * The commit script behind a lease check. KEYS and ARGV are the commit's,
 * then KEYS[5]: lease, ARGV[8]: owner, ARGV[9]: token. A fenced writer's
 * staged hash is dropped; it returns `{'FENCED', token}`.
 */
const FENCED_COMMIT = `
local fl = redis.call('HMGET', KEYS[5], 'owner', 'token')
if fl[1] ~= ARGV[8] or fl[2] ~= ARGV[9] then
  redis.call('UNLINK', KEYS[4])
  redis.call('SREM', KEYS[3], ARGV[5])
  return {'FENCED', fl[2] or ''}
end
${SCRIPTS.commit.source}`;

/** The lease scripts. @internal */
export const LEASE_SCRIPTS = Object.freeze({
  acquire: script(ACQUIRE),
  renew: script(RENEW),
  release: script(RELEASE),
  list: script(LIST),
  fencedCommit: script(FENCED_COMMIT),
});

/** The key of the index of live leases (score: expiry). @internal */
export function leaseIndexKey(prefix: string): string {
  return `${prefix}leases`;
}

/** The key of a run's lease hash. @internal */
export function leaseKey(keys: RunKeys): string {
  return `${keys.base}lease`;
}

const text = (reply: unknown): string[] =>
  (reply as unknown[]).map((v) => String(v));

/** Take or renew; `E_LOCKED` while another owner's lease is live. @internal */
export async function acquireLease(
  connection: RedisConnection,
  keys: RunKeys,
  runId: string,
  { owner, ttlMs }: LeaseRequest,
): Promise<RunLease> {
  const [status, a, b] = text(
    await connection.script(
      LEASE_SCRIPTS.acquire,
      [leaseKey(keys), indexOf(keys)],
      [owner, String(ttlMs), runId],
    ),
  );
  if (status === 'OK') return { runId, owner, token: Number(a) };
  throw leaseLockedError(runId, a, Number(b));
}

/** Extend a current lease; `E_FENCED` otherwise. @internal */
export async function renewLease(
  connection: RedisConnection,
  keys: RunKeys,
  lease: RunLease,
  ttlMs: number,
): Promise<void> {
  const [status, token] = text(
    await connection.script(
      LEASE_SCRIPTS.renew,
      [leaseKey(keys), indexOf(keys)],
      [lease.owner, String(lease.token), String(ttlMs), lease.runId],
    ),
  );
  if (status !== 'OK') throw fencedError(lease, 'renewLease', tokenOf(token));
}

/** Free a current lease; ignore a stale one. @internal */
export async function releaseLease(
  connection: RedisConnection,
  keys: RunKeys,
  lease: RunLease,
): Promise<void> {
  await connection.script(
    LEASE_SCRIPTS.release,
    [leaseKey(keys), indexOf(keys)],
    [lease.owner, String(lease.token), lease.runId],
  );
}

/** The live leases of runs whose id starts with `prefix`. @internal */
export async function listLeases(
  connection: RedisConnection,
  keyPrefix: string,
  prefix: string,
): Promise<LeaseInfo[]> {
  const flat = text(
    await connection.script(
      LEASE_SCRIPTS.list,
      [leaseIndexKey(keyPrefix)],
      [prefix, keyPrefix],
    ),
  );
  const found: LeaseInfo[] = [];
  for (let i = 0; i + 3 < flat.length; i += 4) {
    found.push({
      runId: flat[i] as string,
      owner: flat[i + 1] as string,
      token: Number(flat[i + 2]),
      expiresInMs: Number(flat[i + 3]),
    });
  }
  return found.sort((a, b) =>
    a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0,
  );
}

/** The lease index key of a run's prefix (its `runs` key's). */
const indexOf = (keys: RunKeys): string =>
  leaseIndexKey(keys.runs.slice(0, -'runs'.length));

/** A token as the scripts return it (`''`: no lease row). @internal */
export function tokenOf(reply: string | undefined): number | undefined {
  return reply === undefined || reply === '' ? undefined : Number(reply);
}
