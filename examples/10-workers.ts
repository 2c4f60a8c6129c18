/**
 * 10-workers: many runs over many processes with `startWorker`. Two worker
 * processes share 12 runs on one SQLite file: each owns 6 (its share,
 * ceil(12 / 2)). One is killed with SIGKILL mid-stream: once its leases
 * expire (TTL 1 s), the other claims its runs, resumes each from its
 * newest savepoint and owns all 12. Every run ends with the total of an
 * uninterrupted run. On several machines, use PostgresStorage or
 * RedisStorage instead (see `docs/scaling.md`).
 *
 * Prerequisites: `npm install`. No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/10-workers.ts`
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCodec, startWorker } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';

interface Sale {
  readonly timestamp: number;
  readonly amount: number;
}
const RUNS = Array.from({ length: 12 }, (_, i) => `shop-${i}`);
const SALES = 60; // per run, one every 100 ms of event time
const END = SALES * 100; // the savepoint after the last sale
const amount = (runId: string, i: number) =>
  ((Number(runId.slice(5)) + 1) * (i + 1)) % 97;
const total = (runId: string) =>
  Array.from({ length: SALES }, (_, i) => amount(runId, i)).reduce(
    (a, b) => a + b,
  );

/** A run's sales from `from`, then a marker at END, then a live wait. */
async function* sales(runId: string, from: number, signal: AbortSignal) {
  for (let i = from / 100; i <= SALES; i++) {
    await new Promise((r) => setTimeout(r, 40)); // a live stream's pace
    const last = i === SALES;
    yield { timestamp: i * 100, amount: last ? 0 : amount(runId, i) };
  }
  await new Promise((r) => signal.addEventListener('abort', r));
}

/** One worker process: share the runs until killed or SIGTERM. */
async function worker(path: string): Promise<void> {
  const storage = await SqliteStorage.open({ path, busyTimeoutMs: 10_000 });
  const w = startWorker<Sale>({
    storage,
    runs: RUNS,
    lease: { ttlMs: 1_000 },
    rebalanceEveryMs: 200,
    run: (runId) => ({
      schedule: 1_000,
      startFrom: 0,
      entities: {
        total: { initial: 0, reduce: (sum: number, s: Sale) => sum + s.amount },
      },
      input: (from, { signal }) => sales(runId, from, signal),
    }),
    onClaimed: ({ runId, token }) => console.log(`claimed ${runId} #${token}`),
    onReleased: ({ runId, reason }) =>
      console.log(`released ${runId} ${reason}`),
  });
  process.on('SIGTERM', () => void w.stop().then(() => process.exit(0)));
}

function child(path: string) {
  const script = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, [...process.execArgv, script, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const claims: string[] = [];
  const owned = new Set<string>(); // claimed and not released since
  proc.stdout.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.trim().split('\n')) {
      const [event, runId] = line.split(' ');
      if (event === 'claimed') {
        claims.push(runId!);
        owned.add(runId!);
      }
      if (event === 'released') owned.delete(runId!);
    }
  });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  return { proc, claims, owned, exited };
}

const until = async (check: () => boolean | Promise<boolean>) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
};

const [path] = process.argv.slice(2);
if (path !== undefined) await worker(path);
else {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-workers-'));
  const db = join(dir, 'state.db');
  await using storage = await SqliteStorage.open({ path: db });
  try {
    console.log('runstate demo: 12 runs shared by 2 worker processes');
    const a = child(db);
    const b = child(db);
    // Workers starting apart may claim more than their share at first and
    // hand the excess over at the next rebalance: wait for the even split.
    await until(() => a.owned.size === 6 && b.owned.size === 6);
    console.log(`  a owns ${a.owned.size}, b owns ${b.owned.size}`);
    a.proc.kill('SIGKILL');
    console.log('  a: killed with SIGKILL');
    const ends = async () => {
      const newest = await Promise.all(
        RUNS.map((r) => storage.newestTimestamp(r)),
      );
      return newest.every((ts) => ts === END);
    };
    await until(ends);
    console.log(`  b owns ${b.owned.size} (${b.claims.length} claims in all)`);
    let ok = true;
    for (const runId of RUNS) {
      const sp = await storage.readSavepoint(runId);
      const [, bytes] = sp!.entries[0]!;
      ok &&= defaultCodec.decode(bytes) === total(runId);
    }
    b.proc.kill('SIGTERM');
    await b.exited;
    console.log(
      `${ok ? '✓' : '✗'} every run ended with the total of an uninterrupted run`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
