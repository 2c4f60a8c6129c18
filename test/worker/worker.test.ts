/**
 * startWorker in one process, over one MemoryStorage: the share of each
 * worker, hand-over when one stops or joins, runs that leave `runs`,
 * completed runs kept, and option checks. Worker processes killed for real
 * are in `process/workers-process.test.ts`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  startWorker,
  type ReleaseInfo,
  type Worker,
  type WorkerRunOptions,
} from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import { sum, ticks, type Tick } from '../actors/run/helpers.js';

const TTL = { ttlMs: 600, renewEveryMs: 100 };
const noop = (): void => undefined;
const silent = { debug: noop, info: noop, warn: noop, error: noop };
const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

/** `messages` one per turn, then waits for the signal (a live stream). */
async function* live(
  messages: readonly Tick[],
  signal: AbortSignal,
): AsyncGenerator<Tick> {
  for (const m of messages) {
    await new Promise((resolve) => setImmediate(resolve));
    yield m;
  }
  await new Promise((resolve) =>
    signal.addEventListener('abort', resolve, { once: true }),
  );
}

const runOptions =
  (count: number, ends = false) =>
  (): WorkerRunOptions<Tick> => ({
    schedule: 1_000,
    startFrom: 0,
    entities: { sum },
    input: (from, { signal }) => {
      const messages = ticks(count).filter((m) => m.timestamp >= from);
      return ends ? messages : live(messages, signal);
    },
  });

const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `run-${i}`);

function worker(
  storage: MemoryStorage,
  runs: Parameters<typeof startWorker>[0]['runs'],
  extra: Partial<Parameters<typeof startWorker<Tick>>[0]> = {},
): Worker {
  const w = startWorker<Tick>({
    storage,
    runs,
    run: runOptions(50),
    lease: TTL,
    rebalanceEveryMs: 50,
    ...extra,
  });
  workers.push(w);
  return w;
}

/** Wait until `check` holds, polling. */
async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 15_000,
) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every run owned by exactly one of `ws`. */
function ownedOnce(ws: readonly Worker[], runs: readonly string[]) {
  const all = ws.flatMap((w) => w.status().owned);
  return all.length === runs.length && new Set(all).size === runs.length;
}

describe('startWorker', () => {
  it('shares the runs evenly: each run owned by exactly one worker, none above ceil(runs / workers)', async () => {
    await using storage = await MemoryStorage.open();
    const runs = ids(10);
    const ws = [
      worker(storage, runs),
      worker(storage, runs),
      worker(storage, runs),
    ];
    await until(
      () => ownedOnce(ws, runs) && ws.every((w) => w.status().workers === 3),
      'an even split',
    );
    for (const w of ws) {
      expect(w.status().owned.length).toBeLessThanOrEqual(4);
      expect(w.status().share).toBe(4);
    }
  });

  it('hands the runs of a stopping worker over to the others, who resume them from their savepoints', async () => {
    await using storage = await MemoryStorage.open();
    const runs = ids(6);
    const released: ReleaseInfo[] = [];
    const a = worker(storage, runs, { onReleased: (i) => released.push(i) });
    const b = worker(storage, runs);
    await until(() => ownedOnce([a, b], runs), 'a split');
    await until(
      () => a.status().owned.length === 3 && b.status().owned.length === 3,
      'three each',
    );
    const mine = a.status().owned;
    const persisted = async () => {
      const newest = await Promise.all(
        mine.map((id) => storage.newestTimestamp(id)),
      );
      return newest.every((ts) => ts !== undefined);
    };
    await until(persisted, 'savepoints of the runs of a');
    await a.stop();
    expect(a.status().owned).toEqual([]);
    expect(released.map((r) => r.reason)).toEqual(mine.map(() => 'stopped'));
    await until(() => b.status().owned.length === 6, 'b owns all six');
    expect(b.status().workers).toBe(1);
  });

  it('gives a joining worker its share: the others hand runs over', async () => {
    await using storage = await MemoryStorage.open();
    const runs = ids(8);
    const handed: string[] = [];
    const onReleased = (i: ReleaseInfo) => {
      if (i.reason === 'handed-over') handed.push(i.runId);
    };
    const a = worker(storage, runs, { onReleased });
    await until(() => a.status().owned.length === 8, 'a owns all');
    const b = worker(storage, runs);
    await until(
      () => ownedOnce([a, b], runs) && b.status().owned.length === 4,
      'b gets four',
    );
    expect(handed.length).toBeGreaterThanOrEqual(4);
  });

  it('stops a run that leaves runs (reason removed)', async () => {
    await using storage = await MemoryStorage.open();
    let runs = ids(3);
    const released: ReleaseInfo[] = [];
    const a = worker(storage, () => runs, {
      onReleased: (i) => released.push(i),
    });
    await until(() => a.status().owned.length === 3, 'three runs');
    runs = ['run-0', 'run-2'];
    await until(() => a.status().owned.length === 2, 'two runs');
    expect(released).toEqual([{ runId: 'run-1', reason: 'removed' }]);
    const leases = (await storage.listLeases?.()) ?? [];
    expect(leases.map((l) => l.runId)).not.toContain('run-1');
  });

  it('keeps a completed run leased, so no other worker runs it again', async () => {
    await using storage = await MemoryStorage.open();
    const completed: string[] = [];
    const a = worker(storage, ['done-run'], {
      run: runOptions(30, true),
      onCompleted: (i) => completed.push(i.runId),
    });
    await until(() => completed.length === 1, 'completion');
    expect(a.status()).toMatchObject({
      owned: ['done-run'],
      completed: ['done-run'],
    });
    const claims: string[] = [];
    worker(storage, ['done-run'], {
      run: runOptions(30, true),
      onClaimed: (i) => claims.push(i.runId),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(claims).toEqual([]);
    await a.stop();
    await until(() => claims.length === 1, 'taken over after stop');
  });

  it('stops when its storage is closed under it: every run released, an error logged once, no retry loop', async () => {
    const storage = await MemoryStorage.open();
    const runs = ids(3);
    const released: ReleaseInfo[] = [];
    const errors: unknown[] = [];
    const warnings: unknown[] = [];
    const logger = {
      ...silent,
      error: (o: unknown) => void errors.push(o),
      warn: (o: unknown) => void warnings.push(o),
    };
    const w = worker(storage, runs, {
      logger,
      onReleased: (info) => void released.push(info),
    });
    await until(() => w.status().owned.length === 3, 'every run claimed');
    await storage.close();
    await until(() => w.status().stopping, 'the worker stops');
    await w.stop();
    expect(w.status().owned).toEqual([]);
    expect(released.map((r) => r.runId).sort()).toEqual(runs);
    const warned = warnings.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(warnings.length).toBe(warned); // no rebalance retried after stopping
    const codes = errors.map(
      (e) => (e as { err?: { code?: string } }).err?.code,
    );
    expect(codes).toContain('E_CLOSED');
  });

  it('skips an invalid id that runs() returns, logged once at error, and claims the others', async () => {
    await using storage = await MemoryStorage.open();
    const errors: string[] = [];
    const logger = {
      ...silent,
      error: (o: { err?: Error }) => void errors.push(o.err?.message ?? ''),
    };
    const w = worker(storage, () => ['a', '', 'b', 7 as never], { logger });
    await until(() => w.status().owned.length === 2, 'a and b claimed');
    await new Promise((resolve) => setTimeout(resolve, 200)); // more rebalances
    expect(w.status().owned).toEqual(['a', 'b']);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^runs\(\) must be a non-empty string/);
    expect(errors[1]).toMatch(/^runs\(\) must be a string, got 7/);
  });

  it('refuses a storage without shared leases, and bad options, naming them', async () => {
    await using storage = await MemoryStorage.open();
    const run = runOptions(1);
    expect(() => startWorker({ storage: {} as never, runs: [], run })).toThrow(
      /options\.storage/,
    );
    const dir = await import('node:fs/promises').then((fs) =>
      fs.mkdtemp(`${process.env.TMPDIR ?? '/tmp'}/rs-worker-`),
    );
    await using files = await FileStorage.open({ directory: dir });
    expect(() => startWorker({ storage: files, runs: [], run })).toThrow(
      /listLeases/,
    );
    expect(() => startWorker({ storage, runs: 'r' as never, run })).toThrow(
      /options\.runs/,
    );
    expect(() => startWorker({ storage, runs: [''], run })).toThrow(
      /options\.runs\[0\]/,
    );
    expect(() =>
      startWorker({ storage, runs: [], run, lease: { ttlMs: 0 } }),
    ).toThrow(RangeError);
    expect(() =>
      startWorker({
        storage,
        runs: [],
        run,
        lease: { ttlMs: 100, renewEveryMs: 100 },
      }),
    ).toThrow(/renewEveryMs/);
    expect(() => startWorker({ storage, runs: [], run: 1 as never })).toThrow(
      /options\.run/,
    );
  });

  // Found by the fuzz soak (soak/fuzz-worker-targets.ts): a logger without
  // its methods was accepted, then failed inside the worker with "logger.warn
  // is not a function".
  it('refuses a logger that is not pino-compatible, naming it', async () => {
    await using storage = await MemoryStorage.open();
    const run = runOptions(1);
    for (const logger of [null, 'log', {}, { info: () => undefined }]) {
      expect(() =>
        startWorker({ storage, runs: [], run, logger: logger as never }),
      ).toThrow(/^options\.logger must/);
    }
  });
});
