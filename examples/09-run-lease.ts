/**
 * 09-run-lease: one writer per run across processes. Two processes share a
 * SQLite file. The first holds run `orders`; the second, started while the
 * first runs, is refused (`E_LOCKED`), then waits for the run. The first is
 * killed with SIGKILL mid-stream: once its lease expires (TTL 2 s), the
 * second takes the run over, resumes from the newest savepoint and
 * finishes. Had the first only been paused and come back, its next write
 * would have been refused with `E_FENCED` (see `docs/scaling.md`).
 *
 * Prerequisites: `npm install`. No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/09-run-lease.ts`
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createStateStore,
  isRunStateError,
  resumeOrStart,
  type Entity,
} from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';

const RUN = 'orders';
const TTL_MS = 2_000;
const MESSAGES = 3_000;
const [role, dbPath] = process.argv.slice(2);

/** Count messages `from` … `MESSAGES - 1` (one every 10 ms of event time). */
async function worker(path: string, waitMs: number): Promise<void> {
  const storage = await SqliteStorage.open({ path });
  const store = createStateStore({
    runId: RUN,
    schedule: 1_000,
    storage,
    lease: { ttlMs: TTL_MS, waitMs },
  });
  try {
    const start = await resumeOrStart(store, {
      startFrom: 0,
      entities: [['count', 0]],
    });
    console.log(`${role}: holds ${RUN}, resumed: ${start.resumed}`);
    let count = start.entities[0] as Entity<number>;
    for (let i = start.timestamp / 10; i < MESSAGES; i++) {
      count = count.ackProcessedTime(i * 10);
      count = count.updateState(i * 10, count.state + 1);
      // Slow enough for the demo to kill it mid-stream.
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 100));
    }
    await store.flush();
    console.log(`${role}: done, count ${count.state}`);
  } catch (error) {
    if (!isRunStateError(error, 'E_LOCKED')) throw error;
    console.log(`${role}: ${error.code}, held by another process`);
  } finally {
    await store.close();
    await storage.close();
  }
}

function child(name: string, path: string) {
  const script = fileURLToPath(import.meta.url);
  const proc = spawn(
    process.execPath,
    [...process.execArgv, script, name, path],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: string[] = [];
  proc.stdout.setEncoding('utf8').on('data', (text: string) => {
    for (const line of text.trim().split('\n')) {
      lines.push(line);
      console.log(`  ${line}`);
    }
  });
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', () => resolve()),
  );
  const saw = async (part: string) => {
    while (!lines.some((l) => l.includes(part))) {
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { proc, exited, saw, lines };
}

if (role === 'first') await worker(dbPath!, 0);
else if (role === 'eager') await worker(dbPath!, 0);
else if (role === 'second') await worker(dbPath!, 60_000);
else {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-lease-'));
  const path = join(dir, 'state.db');
  try {
    console.log('runstate demo: one writer per run, across processes');
    const first = child('first', path);
    await first.saw('holds');
    const eager = child('eager', path);
    await eager.exited;
    const second = child('second', path);
    await new Promise((r) => setTimeout(r, 300));
    first.proc.kill('SIGKILL');
    const killedAt = Date.now();
    console.log('  first: killed with SIGKILL');
    await second.saw('holds');
    const took = Date.now() - killedAt;
    await second.exited;
    const ok =
      eager.lines.some((l) => l.includes('E_LOCKED')) &&
      second.lines.some((l) => l.includes(`count ${MESSAGES}`));
    console.log(
      `${ok ? '✓' : '✗'} second took the run over ${took} ms after the kill (TTL ${TTL_MS} ms) and ended with the count of an uninterrupted run`,
    );
    if (!ok) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
