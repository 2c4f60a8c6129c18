/**
 * Soak part "fuzz": fast-check invalid inputs into every public function and
 * option (`fuzz-all-targets.ts` gathers the `fuzz-*-targets.ts` files), on memory, SQLite and file storage, and on
 * Postgres and Redis when their URLs are set. Each call must end in a typed
 * error (a `RunStateError`, or a `TypeError`/`RangeError` of runstate's own,
 * not an engine error such as "Cannot read properties of undefined"), within
 * 5 s; every storage must still write and read afterwards. What a target
 * starts (a worker, a watch, a server, a subscription) it stops or closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import pg from 'pg';
import { createClient } from 'redis';
import { MemoryStorage, RunStateError, type StorageAdapter } from 'runstate';
import { FileStorage } from 'runstate/file';
import { PostgresStorage } from 'runstate/postgres';
import { RedisStorage } from 'runstate/redis';
import { SqliteStorage } from 'runstate/sqlite';
import { allTargets } from './fuzz-all-targets.js';
import type { FuzzTarget } from './fuzz-target.js';

/** What the fuzz part saw. */
export interface FuzzResult {
  readonly seed: number;
  readonly targets: number;
  readonly inputs: number;
  readonly typed: number;
  /** Invalid inputs that were accepted (no error), by target. */
  readonly accepted: Readonly<Record<string, number>>;
  /** Up to 3 accepted inputs of each target. */
  readonly acceptedExamples: Readonly<Record<string, string[]>>;
  /** Untyped errors, with their target and input. */
  readonly crashes: readonly string[];
  readonly hangs: readonly string[];
  /** Storages that could not write or read after their targets' runs. */
  readonly unusable: readonly string[];
  readonly backends: readonly string[];
}

const HANG_MS = 5_000;
const SCHEMA = `runstate_fuzz_${process.pid}`;
const PREFIX = `runstate-fuzz-${process.pid}:`;
const ENGINE =
  /Cannot read prop|is not a function|is not iterable|Cannot convert|Cannot destructure|is not a constructor|Do not know how to serialize|Maximum call stack/;

type Outcome = 'typed' | 'accepted' | 'hang' | { crash: string };

/** Run one call and classify how it ended. */
async function attempt(target: FuzzTarget, value: unknown): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), HANG_MS);
  });
  const call = (async (): Promise<Outcome> => {
    try {
      await target.call(value);
      return 'accepted';
    } catch (error) {
      if (error instanceof RunStateError) return 'typed';
      if (
        (error instanceof TypeError || error instanceof RangeError) &&
        !ENGINE.test(error.message)
      ) {
        return 'typed';
      }
      return {
        crash:
          error instanceof Error
            ? `${error.name}: ${error.message}`
            : String(error),
      };
    }
  })();
  try {
    return await Promise.race([call, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether `storage` still writes and reads a savepoint. */
async function usable(storage: StorageAdapter, n: number): Promise<boolean> {
  const runId = `fuzz-usable-${n}`;
  try {
    const bytes = Uint8Array.of(1, 2, 3);
    await storage.writeSavepoint(
      runId,
      { timestamp: 1, entries: [['a', bytes]] },
      { keep: 1 },
    );
    const read = await storage.readSavepoint(runId);
    await storage.deleteRun(runId);
    return read?.entries[0]?.[1]?.join() === '1,2,3';
  } catch {
    return false;
  }
}

async function openStorages(dir: string) {
  const storages: [string, StorageAdapter][] = [
    ['MemoryStorage', new MemoryStorage()],
    ['SqliteStorage', await SqliteStorage.open({ path: join(dir, 'fuzz.db') })],
    ['FileStorage', await FileStorage.open({ directory: join(dir, 'files') })],
  ];
  const pgUrl = process.env.RUNSTATE_PG_URL;
  if (pgUrl !== undefined) {
    storages.push([
      'PostgresStorage',
      await PostgresStorage.open({ connectionString: pgUrl, schema: SCHEMA }),
    ]);
  }
  const redis = process.env.RUNSTATE_REDIS_URL;
  if (redis !== undefined) {
    storages.push([
      'RedisStorage',
      await RedisStorage.open({
        url: redis,
        prefix: PREFIX,
      }),
    ]);
  }
  return storages;
}

/**
 * Remove what the fuzz left on the shared servers: its Postgres schema and
 * its Redis keys (lease tokens outlive deleteRun, by contract).
 */
async function dropServerData(): Promise<void> {
  const pgUrl = process.env.RUNSTATE_PG_URL;
  if (pgUrl !== undefined) {
    const pool = new pg.Pool({ connectionString: pgUrl });
    await pool.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
    await pool.end();
  }
  const redisUrl = process.env.RUNSTATE_REDIS_URL;
  if (redisUrl !== undefined) {
    const client = await createClient({ url: redisUrl }).connect();
    for await (const keys of client.scanIterator({ MATCH: `${PREFIX}*` })) {
      if (keys.length > 0) await client.unlink(keys);
    }
    await client.close();
  }
}

/** Feed `runsPerTarget` invalid inputs into every target. */
export async function fuzz(
  runsPerTarget: number,
  seed: number,
): Promise<FuzzResult> {
  const dir = mkdtempSync(join(tmpdir(), 'soak-fuzz-'));
  const storages = await openStorages(dir);
  const targets = allTargets(dir, storages);
  const accepted: Record<string, number> = {};
  const acceptedExamples: Record<string, string[]> = {};
  const crashes: string[] = [];
  const hangs: string[] = [];
  const unusable: string[] = [];
  let inputs = 0;
  let typed = 0;
  try {
    for (const [t, target] of targets.entries()) {
      const values = fc.sample(target.arb, {
        numRuns: runsPerTarget,
        seed: seed + t,
      });
      for (const value of values) {
        inputs++;
        const outcome = await attempt(target, value);
        if (outcome === 'typed') typed++;
        else if (outcome === 'accepted') {
          accepted[target.name] = (accepted[target.name] ?? 0) + 1;
          const examples = (acceptedExamples[target.name] ??= []);
          if (examples.length < 3) examples.push(fc.stringify(value));
        } else if (outcome === 'hang')
          hangs.push(`${target.name}: ${fc.stringify(value)}`);
        else
          crashes.push(
            `${target.name}: ${fc.stringify(value)} → ${outcome.crash}`,
          );
      }
      if (target.storage !== undefined && !(await usable(target.storage, t))) {
        unusable.push(`${target.name}`);
      }
    }
    await sleep(100); // let runs started by accepted startRun calls settle
    for (const [label, storage] of storages) {
      if (!(await usable(storage, -1))) unusable.push(`${label} at the end`);
    }
  } finally {
    for (const [label, storage] of storages) {
      if (label === 'PostgresStorage' || label === 'RedisStorage') {
        for (const runId of await storage.listRuns().catch(() => [])) {
          await storage.deleteRun(runId).catch(() => false);
        }
      }
      await storage.close();
    }
    await dropServerData();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    seed,
    targets: targets.length,
    inputs,
    typed,
    accepted,
    acceptedExamples,
    crashes,
    hangs,
    unusable,
    backends: storages.map(([label]) => label),
  };
}
