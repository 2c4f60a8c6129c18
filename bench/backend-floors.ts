/**
 * The raw floors of the backend benchmarks (backends.ts): the same bytes as
 * runstate stores, written and read with the backend's own tools and
 * nothing of runstate. Each id and each state is packed with a bare msgpackr
 * Packr configured like runstate's codec (floor.ts: no header, checksum or
 * storability walk). Untimed: building the states, and removing the data of
 * two runs before, so both sides delete nothing while timed.
 *
 * - **File**: the packed values concatenated into one buffer, written to a
 *   temporary file, fsynced, renamed, and the directory fsynced. Load:
 *   `readFile` and one `unpackMultiple` into `[id, state]` pairs.
 * - **Postgres**: one transaction with one binary `COPY` of
 *   `(savepoint_id, entity_id, state bytea)` rows into a plain table. Load:
 *   one SELECT of the run's rows and an unpack of each state.
 * - **SQLite**: floor.ts, as in scenario (b)/(c).
 * - **Redis**: one MULTI/EXEC of `HSET`s (1 000 fields each) into one hash.
 *   Load: `HGETALL` and an unpack of each state.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Side } from './backend-sides.js';
import { Floor, floorPackr } from './floor.js';
import { copyStates } from '../src/storage/postgres/postgres-copy.js';
import type { StoredEntry } from 'runstate';
import { collectGarbage as gc } from './gc.js';
import { entityId, makeStates } from './state-data.js';
import { msSince } from './stats.js';

const packr = floorPackr();
const FIELDS_PER_HSET = 1_000;

/** Time `body` after a collection. */
async function timed(body: () => Promise<void>): Promise<number> {
  gc();
  const start = process.hrtime.bigint();
  await body();
  return msSince(start);
}

function expectCount(got: number, n: number): void {
  if (got !== n) throw new Error(`floor read ${got} states, expected ${n}`);
}

/** Write `data` as `path`: temp file, fsync, rename, fsync of `dir`. */
async function writeDurably(dir: string, path: string, data: Uint8Array) {
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w');
  await file.writeFile(data);
  await file.sync();
  await file.close();
  await rename(temp, path);
  const directory = await open(dir, 'r');
  await directory.sync();
  await directory.close();
}

/** The file floor, in directory `dir`. */
export async function fileFloor(dir: string, n: number): Promise<Side> {
  await mkdir(dir, { recursive: true });
  const ids = Array.from({ length: n }, (_, i) => entityId(i));
  const fileOf = (run: number) => join(dir, `floor-${run}.bin`);
  let path = '';
  return {
    async persist(run) {
      await rm(fileOf(run - 2), { force: true });
      const states = makeStates(n, run);
      path = fileOf(run);
      return timed(async () => {
        const parts = new Array<Uint8Array>(2 * n);
        for (let i = 0; i < n; i++) {
          parts[2 * i] = packr.pack(ids[i]);
          parts[2 * i + 1] = packr.pack(states[i]);
        }
        await writeDurably(dir, path, Buffer.concat(parts));
      });
    },
    load: () =>
      timed(async () => {
        const values = packr.unpackMultiple(await readFile(path)) as unknown[];
        const pairs = new Array<[string, unknown]>(values.length / 2);
        for (let i = 0; i < pairs.length; i++) {
          pairs[i] = [values[2 * i] as string, values[2 * i + 1]];
        }
        expectCount(pairs.length, n);
      }),
    close: () => Promise.resolve(),
  };
}

/**
 * The Postgres floor: a plain table `table` (created here) on `pool`, rows
 * written with one binary `COPY` (the same encoder the storage uses, which
 * only frames the bytes).
 */
export async function postgresFloor(
  pool: pg.Pool,
  table: string,
  n: number,
): Promise<Side> {
  await pool.query(
    `CREATE TABLE ${table} (savepoint_id bigint NOT NULL, entity_id text NOT NULL, state bytea NOT NULL)`,
  );
  const ids = Array.from({ length: n }, (_, i) => entityId(i));
  let current = 0;
  return {
    async persist(run) {
      await pool.query(`DELETE FROM ${table} WHERE savepoint_id <= $1`, [
        run - 2,
      ]);
      const states = makeStates(n, run);
      current = run;
      const client = await pool.connect();
      try {
        return await timed(async () => {
          await client.query('BEGIN');
          const entries = states.map((state, i): StoredEntry => [
            ids[i] as string,
            packr.pack(state),
          ]);
          await copyStates(client, table, String(run), ids, entries);
          await client.query('COMMIT');
        });
      } finally {
        client.release();
      }
    },
    load: () =>
      timed(async () => {
        const r = await pool.query<{ entity_id: string; state: Buffer }>(
          `SELECT entity_id, state FROM ${table} WHERE savepoint_id = $1`,
          [current],
        );
        const pairs = r.rows.map(
          (row) => [row.entity_id, packr.unpack(row.state)] as const,
        );
        expectCount(pairs.length, n);
      }),
    close: () =>
      pool.query(`DROP TABLE IF EXISTS ${table}`).then(() => undefined),
  };
}

/** What the Redis floor needs of a node-redis client. */
export interface FloorRedis {
  multi(): {
    hSet(key: string, fields: Record<string, Buffer>): unknown;
    exec(): Promise<unknown>;
  };
  hGetAll(key: string): Promise<Record<string, Buffer>>;
  del(keys: string[]): Promise<unknown>;
}

/** The Redis floor: hashes `${prefix}<run>` through `client` (Buffer replies). */
export function redisFloor(
  client: FloorRedis,
  prefix: string,
  n: number,
): Side {
  const ids = Array.from({ length: n }, (_, i) => entityId(i));
  let current = 0;
  return {
    async persist(run) {
      await client.del([`${prefix}${run - 2}`]);
      const states = makeStates(n, run);
      current = run;
      return timed(async () => {
        const multi = client.multi();
        for (let s = 0; s < n; s += FIELDS_PER_HSET) {
          const fields: Record<string, Buffer> = {};
          for (let i = s; i < Math.min(n, s + FIELDS_PER_HSET); i++) {
            fields[ids[i] as string] = packr.pack(states[i]);
          }
          multi.hSet(`${prefix}${run}`, fields);
        }
        await multi.exec();
      });
    },
    load: () =>
      timed(async () => {
        const hash = await client.hGetAll(`${prefix}${current}`);
        const pairs = Object.entries(hash).map(
          ([id, state]) => [id, packr.unpack(state)] as const,
        );
        expectCount(pairs.length, n);
      }),
    close: () =>
      client
        .del([`${prefix}${current - 1}`, `${prefix}${current}`])
        .then(() => undefined),
  };
}

/** The SQLite floor (floor.ts) as a side, in directory `dir`. */
export async function sqliteFloor(dir: string, n: number): Promise<Side> {
  await mkdir(dir, { recursive: true });
  const floor = new Floor(join(dir, 'floor.db'));
  const ids = Array.from({ length: n }, (_, i) => entityId(i));
  return {
    persist(run) {
      floor.clear();
      const states = makeStates(n, run);
      return timed(() => Promise.resolve(floor.write(ids, states)));
    },
    load: () =>
      timed(() => Promise.resolve(expectCount(floor.read().length, n))),
    close: () => Promise.resolve(floor.close()),
  };
}
