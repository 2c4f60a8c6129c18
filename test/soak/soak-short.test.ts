/**
 * The short versions of the reliability soak (`npm run soak`, see
 * `soak/run.ts` and docs/reliability.md): the same functions at sizes of
 * seconds. The SIGKILL part's short version is `test/storage/crash/`.
 * Connections are killed on the shared servers; restarts happen only on
 * private servers started here (a free port, a directory or cluster of
 * their own), never on the shared ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cannotRestart,
  freePort,
  postgresKill,
  postgresRestart,
  postgresVersion,
  redisKill,
  redisRestart,
} from '../../soak/connection-targets.js';
import { disruptWrites } from '../../soak/connections.js';
import { diskFull } from '../../soak/disk-full.js';
import { fuzz } from '../../soak/fuzz.js';
import { longRun } from '../../soak/long-run.js';

const PG = process.env.RUNSTATE_PG_URL;
const REDIS = process.env.RUNSTATE_REDIS_URL;
const ROOT = process.getuid?.() === 0;

function loudly(what: string, reason: string): void {
  console.warn(`\n*** SOAK (SHORT) ${what} SKIPPED: ${reason} ***\n`);
}

describe('soak, short versions', () => {
  it('invalid inputs into every public function: typed errors only, no hang, storages usable', async () => {
    const result = await fuzz(2, 7);
    expect(result.inputs).toBeGreaterThan(300);
    expect(result.accepted).toEqual({});
    expect(result.crashes).toEqual([]);
    expect(result.hangs).toEqual([]);
    expect(result.unusable).toEqual([]);
  }, 240_000);

  it('a run with entity failures and storage faults ends as the plain fold', async () => {
    const result = await longRun(100_000, 11, 25_000, 0.1);
    expect(result.entityFailures).toBeGreaterThan(0);
    expect(result.statesEqual).toBe(true);
    expect(result.outputsEqual).toBe(true);
  }, 120_000);

  if (!ROOT) loudly('DISK FULL', 'not root (a tmpfs is mounted)');
  it.skipIf(!ROOT).each(['sqlite', 'file'] as const)(
    'disk full on %s: typed error with the OS cause, older savepoints intact, writes resume',
    async (backend) => {
      const result = await diskFull(backend, 2);
      expect(result.untyped).toEqual([]);
      expect(result.refused).toBe(2);
      expect(result.damaged).toBe(0);
      expect(result.resumed).toBe(2);
    },
    60_000,
  );

  if (PG === undefined)
    loudly('POSTGRES CONNECTIONS', 'RUNSTATE_PG_URL is not set');
  if (REDIS === undefined)
    loudly('REDIS CONNECTIONS', 'RUNSTATE_REDIS_URL is not set');
  it.skipIf(PG === undefined)(
    'Postgres connections killed server-side during writes: typed errors, recovery, nothing lost',
    async () => {
      const result = await disruptWrites(postgresKill(PG!), 3_000, 400, 5);
      expect(result.disruptions).toBeGreaterThan(0);
      expect(result.untyped).toEqual([]);
      expect(result.recovered).toBe(true);
      expect(result.problems).toEqual([]);
    },
    60_000,
  );

  it.skipIf(REDIS === undefined)(
    'Redis connections killed server-side during writes: typed errors, recovery, nothing lost',
    async () => {
      const result = await disruptWrites(redisKill(REDIS!), 3_000, 400, 5);
      expect(result.disruptions).toBeGreaterThan(0);
      expect(result.untyped).toEqual([]);
      expect(result.recovered).toBe(true);
      expect(result.problems).toEqual([]);
    },
    60_000,
  );

  const noRedis = cannotRestart('redis');
  if (noRedis !== undefined) loudly('REDIS RESTART', noRedis);
  it.skipIf(noRedis !== undefined)(
    'a private Redis server restarted during writes: typed errors, recovery, nothing lost',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'soak-short-redis-'));
      try {
        const target = redisRestart(await freePort(), dir);
        const result = await disruptWrites(target, 4_000, 1_500, 6);
        expect(result.disruptions).toBeGreaterThan(0);
        expect(result.untyped).toEqual([]);
        expect(result.recovered).toBe(true);
        expect(result.problems).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  const noPostgres = cannotRestart('postgres');
  if (noPostgres !== undefined) loudly('POSTGRES RESTART', noPostgres);
  it.skipIf(noPostgres !== undefined)(
    'a private Postgres cluster restarted during writes: typed errors, recovery, nothing lost',
    async () => {
      const target = postgresRestart(
        postgresVersion()!,
        `runstate_short_${process.pid}`,
        await freePort(),
      );
      const result = await disruptWrites(target, 4_000, 2_000, 7);
      expect(result.disruptions).toBeGreaterThan(0);
      expect(result.untyped).toEqual([]);
      expect(result.recovered).toBe(true);
      expect(result.problems).toEqual([]);
    },
    120_000,
  );
});
