/**
 * Scenario (g): every storage backend persisting and loading one savepoint
 * of 10 000 entities × ~1 KB through a StateStore, side by side with its raw
 * floor (backend-floors.ts) in the same process, alternating which side
 * goes first, one warm-up run not counted; and the storage write alone
 * (pre-encoded states, backend-sides.ts). Postgres and Redis use
 * `RUNSTATE_PG_URL` / `RUNSTATE_REDIS_URL` (defaults: the local servers), a
 * fresh schema / key prefix removed afterwards; a server that cannot be
 * reached skips its backend, and the report says why.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { RESP_TYPES, createClient } from 'redis';
import { FileStorage } from 'runstate/file';
import { PostgresStorage } from 'runstate/postgres';
import { RedisStorage } from 'runstate/redis';
import { SqliteStorage } from 'runstate/sqlite';
import {
  fileFloor,
  postgresFloor,
  redisFloor,
  sqliteFloor,
} from './backend-floors.js';
import { runstateSide, type Side } from './backend-sides.js';
import { summarize, type Summary } from './stats.js';

const ENTITIES = 10_000;
const RUNS = 15;
const PG_URL =
  process.env.RUNSTATE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.RUNSTATE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The backends, in report order. */
export const BACKENDS = ['sqlite', 'file', 'postgres', 'redis'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** One backend's figures (ms per savepoint), or why it was skipped. */
export type BackendResult =
  | {
      readonly backend: BackendName;
      readonly entities: number;
      readonly persist: { readonly runstate: Summary; readonly floor: Summary };
      readonly acks: Summary;
      readonly load: { readonly runstate: Summary; readonly floor: Summary };
      readonly write: Summary;
    }
  | { readonly backend: BackendName; readonly skipped: string };

interface Sides {
  readonly runstate: Side;
  readonly floor: Side;
  cleanup(): Promise<void>;
}

/** SQLite or files: both sides in one temporary directory. */
async function localSides(name: 'sqlite' | 'file', n: number): Promise<Sides> {
  const dir = await mkdtemp(join(tmpdir(), `runstate-bench-${name}-`));
  const runstate = await runstateSide(
    () =>
      name === 'sqlite'
        ? SqliteStorage.open({ path: join(dir, 'runstate.db') })
        : FileStorage.open({ directory: join(dir, 'runstate') }),
    n,
  );
  const floorOf = name === 'sqlite' ? sqliteFloor : fileFloor;
  const floor = await floorOf(join(dir, 'floor'), n);
  const cleanup = () => rm(dir, { recursive: true, force: true });
  return { runstate, floor, cleanup };
}

/** Postgres: a fresh schema for both sides, dropped by `cleanup`. */
async function postgresSides(n: number, tag: string): Promise<Sides> {
  const schema = `runstate_bench_${tag}`;
  const pool = new pg.Pool({ connectionString: PG_URL });
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');
  const runstate = await runstateSide(
    () => PostgresStorage.open({ connectionString: PG_URL, schema }),
    n,
  );
  const floor = await postgresFloor(pool, `${schema}.floor_states`, n);
  const cleanup = async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  };
  return { runstate, floor, cleanup };
}

/** Redis: a fresh key prefix for both sides, emptied by `cleanup`. */
async function redisSides(n: number, tag: string): Promise<Sides> {
  const prefix = `runstate-bench:${tag}:`;
  const client = createClient({ url: REDIS_URL }).withTypeMapping({
    [RESP_TYPES.BLOB_STRING]: Buffer,
  });
  client.on('error', () => undefined);
  await client.connect();
  const runstate = await runstateSide(
    () => RedisStorage.open({ url: REDIS_URL, prefix }),
    n,
  );
  const floor = redisFloor(client, `${prefix}floor:`, n);
  const cleanup = async () => {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}*` }))
      keys.push(...batch.map(String));
    if (keys.length > 0) await client.del(keys);
    await client.close();
  };
  return { runstate, floor, cleanup };
}

function sidesOf(name: BackendName, n: number): Promise<Sides> {
  const tag = randomBytes(5).toString('hex');
  if (name === 'postgres') return postgresSides(n, tag);
  if (name === 'redis') return redisSides(n, tag);
  return localSides(name, n);
}

async function measure(
  name: BackendName,
  sides: Sides,
  n: number,
  runs: number,
): Promise<BackendResult> {
  const times = {
    runstate: { persist: [] as number[], load: [] as number[] },
    floor: { persist: [] as number[], load: [] as number[] },
  };
  for (let run = 1; run <= runs + 1; run++) {
    const order =
      run % 2 === 1
        ? (['runstate', 'floor'] as const)
        : (['floor', 'runstate'] as const);
    for (const side of order) {
      const persist = await sides[side].persist(run);
      const load = await sides[side].load();
      await sides[side].writeOnly?.();
      if (run === 1) continue;
      times[side].persist.push(persist);
      times[side].load.push(load);
    }
  }
  return {
    backend: name,
    entities: n,
    persist: {
      runstate: summarize(times.runstate.persist),
      floor: summarize(times.floor.persist),
    },
    acks: summarize(sides.runstate.acksMs?.slice(1) ?? []),
    load: {
      runstate: summarize(times.runstate.load),
      floor: summarize(times.floor.load),
    },
    write: summarize(sides.runstate.writesMs?.slice(1) ?? []),
  };
}

/** Scenario (g) for one backend; a backend that cannot start is skipped. */
export async function runBackendBench(
  name: BackendName,
  n = ENTITIES,
  runs = RUNS,
): Promise<BackendResult> {
  let sides: Sides;
  try {
    sides = await sidesOf(name, n);
  } catch (error) {
    return {
      backend: name,
      skipped: error instanceof Error ? error.message : String(error),
    };
  }
  try {
    return await measure(name, sides, n, runs);
  } finally {
    await sides.runstate.close();
    await sides.floor.close();
    await sides.cleanup();
  }
}

/** Scenario (g) for every backend. */
export async function runBackendsBench(
  log: (line: string) => void,
): Promise<BackendResult[]> {
  const results: BackendResult[] = [];
  for (const name of BACKENDS) {
    log(`  ${name}…`);
    const result = await runBackendBench(name);
    if ('skipped' in result) log(`  ${name} skipped: ${result.skipped}`);
    results.push(result);
  }
  return results;
}
