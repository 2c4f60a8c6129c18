/**
 * The short versions of the reliability soak (`npm run soak`, see
 * `soak/run.ts` and docs/reliability.md): the same functions at sizes of
 * seconds. The SIGKILL part's short version is `test/storage/crash/`.
 * Servers are never restarted here: connections are killed only.
 */
import { describe, expect, it } from 'vitest';
import { postgresKill, redisKill } from '../../soak/connection-targets.js';
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
  it.each([
    ['Postgres', PG, postgresKill],
    ['Redis', REDIS, redisKill],
  ] as const)(
    '%s connections killed server-side during writes: typed errors, recovery, nothing lost',
    async (_name, server, target) => {
      if (server === undefined) return;
      const result = await disruptWrites(target(server), 3_000, 400, 5);
      expect(result.disruptions).toBeGreaterThan(0);
      expect(result.untyped).toEqual([]);
      expect(result.recovered).toBe(true);
      expect(result.problems).toEqual([]);
    },
    60_000,
  );
});
