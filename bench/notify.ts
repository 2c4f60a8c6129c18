/**
 * (h) Savepoint notification latency: one storage instance writes
 * savepoints of 8 runs while another (its own connections, as another
 * process has) watches them with `watchSavepoints`. Latency is the time
 * from the start of `writeSavepoint` to the event's arrival, so it
 * includes the write itself. Postgres (LISTEN/NOTIFY) and Redis (pub/sub)
 * from `RUNSTATE_PG_URL` / `RUNSTATE_REDIS_URL` (defaults: the local
 * servers); SQLite by polling (`pollEveryMs` 250, the default).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createClient } from 'redis';
import { watchSavepoints, type StorageAdapter } from 'runstate';
import { PostgresStorage } from 'runstate/postgres';
import { RedisStorage } from 'runstate/redis';
import { SqliteStorage } from 'runstate/sqlite';
import { summarize, type Summary } from './stats.js';

const PG_URL =
  process.env.RUNSTATE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.RUNSTATE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = 8;
const WRITES = 200;
const GAP_MS = 5;

/** One backend's latencies. */
export interface NotifyResult {
  readonly backend: 'postgres' | 'redis' | 'sqlite';
  readonly mode: 'notify' | 'poll';
  /** ms from the write's start to the event. */
  readonly latency: Summary;
  /** The 95th percentile, ms. */
  readonly p95: number;
  /** Savepoints written, and events received. */
  readonly written: number;
  readonly received: number;
}

interface Target {
  readonly backend: NotifyResult['backend'];
  open(): Promise<StorageAdapter>;
  cleanup(): Promise<void>;
}

function targets(): Target[] {
  const schema = `runstate_bench_notify_${randomBytes(4).toString('hex')}`;
  const prefix = `runstate-bench-notify:${randomBytes(4).toString('hex')}:`;
  const dir = mkdtempSync(join(tmpdir(), 'runstate-notify-'));
  return [
    {
      backend: 'postgres',
      open: () => PostgresStorage.open({ connectionString: PG_URL, schema }),
      async cleanup() {
        const pool = new pg.Pool({ connectionString: PG_URL });
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
      },
    },
    {
      backend: 'redis',
      open: () => RedisStorage.open({ url: REDIS_URL, prefix }),
      async cleanup() {
        const c = await createClient({ url: REDIS_URL }).connect();
        for await (const keys of c.scanIterator({ MATCH: `${prefix}*` })) {
          if (keys.length > 0) await c.unlink(keys);
        }
        await c.close();
      },
    },
    {
      backend: 'sqlite',
      open: () => SqliteStorage.open({ path: join(dir, 'notify.db') }),
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true })),
    },
  ];
}

async function measure(target: Target): Promise<NotifyResult> {
  const writer = await target.open();
  const reader = await target.open();
  const runs = Array.from({ length: RUNS }, (_, i) => `run-${i}`);
  const started = new Map<string, number>();
  const latencies: number[] = [];
  const watch = watchSavepoints(reader, { runs });
  await watch.ready;
  const listening = (async () => {
    for await (const e of watch) {
      const t0 = started.get(`${e.runId}@${e.timestamp}`);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
      if (latencies.length >= WRITES) break;
    }
  })();
  const entries = [['e', new Uint8Array(256)] as const];
  for (let i = 0; i < WRITES; i++) {
    const runId = runs[i % RUNS]!;
    const timestamp = (Math.floor(i / RUNS) + 1) * 1_000;
    started.set(`${runId}@${timestamp}`, performance.now());
    await writer.writeSavepoint(runId, { timestamp, entries }, { keep: 2 });
    await new Promise((resolve) => setTimeout(resolve, GAP_MS));
  }
  const deadline = setTimeout(() => void watch.close(), 5_000);
  await listening;
  clearTimeout(deadline);
  await watch.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  const result: NotifyResult = {
    backend: target.backend,
    mode: watch.mode,
    latency: summarize(latencies),
    p95: sorted[Math.floor(sorted.length * 0.95)] ?? NaN,
    written: WRITES,
    received: latencies.length,
  };
  await reader.close();
  await writer.close();
  await target.cleanup();
  return result;
}

/** Measure every backend in turn. */
export async function runNotifyBench(
  log: (line: string) => void,
): Promise<NotifyResult[]> {
  const results: NotifyResult[] = [];
  for (const target of targets()) {
    const r = await measure(target);
    log(
      `  ${r.backend} (${r.mode}): median ${r.latency.median.toFixed(2)} ms, min ${r.latency.min.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms, ${r.received}/${r.written} events`,
    );
    results.push(r);
  }
  return results;
}
