/**
 * Soak part "lost connections": Postgres and Redis storage writing
 * savepoints while their connections are killed from the server side
 * (`pg_terminate_backend`, `CLIENT KILL`) or the server is restarted. Every
 * failed write must be a typed error, the same storage instance must write
 * again afterwards (no process restart), and a fresh instance must find only
 * complete savepoints, nothing acknowledged missing.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import {
  isRunStateError,
  type StorageAdapter,
  type StoredSavepoint,
} from 'runstate';
import { prng } from '../test/support/prng.js';

/** A server-side way to break the storage's connections, and a storage. */
export interface ConnectionTarget {
  readonly name: string;
  /** A new storage instance on the target's data. */
  open(): Promise<StorageAdapter>;
  /** Break the storage's connections; returns how many were killed. */
  disrupt(): Promise<number>;
  /** Remove the data and release the target's own handles. */
  cleanup(): Promise<void>;
}

/** What one target's disruption run saw. */
export interface ConnectionResult {
  readonly target: string;
  readonly disruptions: number;
  readonly connectionsKilled: number;
  readonly writes: number;
  readonly acknowledged: number;
  readonly failed: number;
  /** Failed writes that were not `E_STORAGE` RunStateErrors. */
  readonly untyped: readonly string[];
  /** Longest time from a disruption to the next acknowledged write, ms. */
  readonly maxRecoveryMs: number;
  /** Whether the storage wrote again after every disruption. */
  readonly recovered: boolean;
  /** Problems found by the final check (missing, partial, backwards). */
  readonly problems: readonly string[];
}

const RUN = 'soak-run';
const KEEP = 3;

function savepoint(timestamp: number): StoredSavepoint {
  return {
    timestamp,
    entries: Array.from({ length: 20 }, (_, e) => {
      const bytes = new Uint8Array(1024).map(
        (_, i) => (timestamp + e + i) & 255,
      );
      return [`e${e}`, bytes] as const;
    }),
  };
}

/** A savepoint's entries as sorted `[id, hex]` pairs. */
const plain = (sp: StoredSavepoint) =>
  [...sp.entries]
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([id, bytes]) => [id, Buffer.from(bytes).toString('hex')]);

const same = (a: StoredSavepoint | undefined, b: StoredSavepoint) =>
  a !== undefined && isDeepStrictEqual(plain(a), plain(b));

/**
 * Write for `ms` while `target.disrupt()` runs about every `everyMs`
 * (seeded jitter); then check with a fresh instance.
 */
export async function disruptWrites(
  target: ConnectionTarget,
  ms: number,
  everyMs: number,
  seed: number,
): Promise<ConnectionResult> {
  try {
    return await disrupted(target, ms, everyMs, seed);
  } finally {
    await target.cleanup(); // stops a private server even after a failure
  }
}

async function disrupted(
  target: ConnectionTarget,
  ms: number,
  everyMs: number,
  seed: number,
): Promise<ConnectionResult> {
  const storage = await target.open();
  const rand = prng(seed);
  const untyped: string[] = [];
  let ts = 0;
  let writes = 0;
  let acked = 0;
  let lastAcked = 0;
  let lastDisruption: number | undefined;
  let maxRecoveryMs = 0;
  let disruptions = 0;
  let killed = 0;
  const end = performance.now() + ms;
  let killing = true;
  const killer = (async () => {
    while (killing) {
      await sleep(everyMs / 2 + rand() * everyMs);
      if (!killing) break;
      killed += await target.disrupt();
      disruptions++;
      lastDisruption ??= performance.now();
    }
  })();
  const write = async (): Promise<boolean> => {
    ts++;
    writes++;
    try {
      await storage.writeSavepoint(RUN, savepoint(ts), { keep: KEEP });
      acked++;
      lastAcked = ts;
      if (lastDisruption !== undefined) {
        maxRecoveryMs = Math.max(
          maxRecoveryMs,
          performance.now() - lastDisruption,
        );
        lastDisruption = undefined;
      }
      return true;
    } catch (error) {
      if (!isRunStateError(error, 'E_STORAGE')) untyped.push(String(error));
      await sleep(10);
      return false;
    }
  };
  while (performance.now() < end) await write();
  killing = false;
  await killer;
  let recovered = false;
  for (let i = 0; i < 200 && !recovered; i++) recovered = await write();
  await storage.close();
  const problems = await check(target, lastAcked, ts);
  return {
    target: target.name,
    disruptions,
    connectionsKilled: killed,
    writes,
    acknowledged: acked,
    failed: writes - acked,
    untyped,
    maxRecoveryMs: Math.round(maxRecoveryMs),
    recovered,
    problems,
  };
}

/** What a fresh instance finds: complete, newest ≥ acknowledged. */
async function check(
  target: ConnectionTarget,
  lastAcked: number,
  lastTried: number,
): Promise<string[]> {
  const problems: string[] = [];
  const storage = await target.open();
  try {
    const live = await storage.listSavepoints(RUN);
    const newest = live.at(-1) ?? 0;
    if (newest < lastAcked) {
      problems.push(`newest ${newest} is older than acknowledged ${lastAcked}`);
    }
    if (newest > lastTried) problems.push(`savepoint ${newest} never written`);
    if (
      !live.includes(lastAcked) &&
      live.filter((t) => t > lastAcked).length < KEEP
    ) {
      problems.push(`acknowledged ${lastAcked} is missing`);
    }
    for (const t of live) {
      if (!same(await storage.readSavepoint(RUN, t), savepoint(t))) {
        problems.push(`savepoint ${t} is partial or changed`);
      }
    }
  } finally {
    await storage.close();
  }
  return problems;
}

/** A unique name for this process's connections and data. */
export const soakName = (): string =>
  `runstate_soak_${randomBytes(4).toString('hex')}`;
