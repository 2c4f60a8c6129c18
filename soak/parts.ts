/**
 * The soak's parts at their full sizes (`test/soak/` runs the same
 * functions at small sizes in `npm test`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  postgresKill,
  postgresVersion,
  postgresRestart,
  redisKill,
  redisRestart,
} from './connection-targets.js';
import { disruptWrites } from './connections.js';
import { diskFull } from './disk-full.js';
import { fuzz } from './fuzz.js';
import { longRun } from './long-run.js';
import { sigkill } from './sigkill.js';

/** A server URL from the environment; throws when unset. */
function url(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

/** Every part: a function producing its figures. */
export const PARTS = {
  /** 250 kills per backend (1 000 over the four), in chunks of 25; stops at SOAK_DEADLINE. */
  sigkill: () => sigkill(250, 25),
  /** 60 invalid inputs into each of ~400 targets (with Postgres and Redis). */
  fuzz: () => fuzz(60, 20_261_206),
  /** Server-side kills on the shared servers, ~every 300 ms for 60 s. */
  connections: async () => [
    await disruptWrites(postgresKill(url('RUNSTATE_PG_URL')), 60_000, 300, 1),
    await disruptWrites(redisKill(url('RUNSTATE_REDIS_URL')), 60_000, 300, 2),
  ],
  /** Restarts of private servers (never the shared ones: their own ports and directories), ~every 3 s for 60 s. */
  restarts: async () => [
    await disruptWrites(
      redisRestart(
        await freePort(),
        mkdtempSync(join(tmpdir(), 'soak-redis-')),
      ),
      60_000,
      3_000,
      3,
    ),
    await disruptWrites(
      postgresRestart(
        postgresVersion() ?? '15',
        `runstate_soak_${process.pid}`,
        await freePort(),
      ),
      60_000,
      3_000,
      4,
    ),
  ],
  /** 50 disk-full cycles per backend on an 8 MiB tmpfs. */
  'disk-full': async () => [
    await diskFull('sqlite', 50),
    await diskFull('file', 50),
  ],
  /** 10 million messages, an entity failure every ~500 000, 5 % storage faults. */
  'long-run': () => longRun(10_000_000, 20_261_206, 500_000, 0.05),
  /** The same with 1 million messages (a fallback when 10 million do not fit the time). */
  'long-run-1m': () => longRun(1_000_000, 20_261_206, 50_000, 0.05),
} satisfies Record<string, () => Promise<unknown>>;

export type PartName = keyof typeof PARTS;
