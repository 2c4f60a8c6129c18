/**
 * Contract probes: `startWorker`, `Worker`, `WorkerOptions`, `WorkerStatus`
 * and the worker sections of docs/scaling.md, on every backend that hosts
 * workers (memory, SQLite, Postgres, Redis), with real timers and short
 * TTLs. Two storage instances over the same data stand for two processes.
 */
import { hostname } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import {
  decorateStorage,
  MemoryStorage,
  RunStateError,
  startWorker,
  type CompletedInfo,
  type Logger,
  type ReleaseInfo,
  type StorageAdapter,
  type Worker,
  type WorkerOptions,
  type WorkerRunOptions,
} from '../../src/index.js';
import { BACKENDS, onCleanup, sleep, until } from './backends.js';

interface Msg {
  readonly timestamp: number;
  readonly n: number;
}

const LEASE = { ttlMs: 500, renewEveryMs: 100 };
const EVERY = 60;

/** A live stream: `count` messages from `from`, then waits for abort. */
async function* live(from: number, count: number, signal: AbortSignal) {
  for (let t = from; t < count * 100; t += 100) {
    await sleep(1);
    yield { timestamp: t, n: 1 };
  }
  await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
}

const liveRun =
  (count = 20) =>
  (): WorkerRunOptions<Msg> => ({
    schedule: 500,
    startFrom: 0,
    entities: { sum: (s: number | undefined, m: Msg) => (s ?? 0) + m.n },
    input: (from, { signal }) => live(from, count, signal),
  });

const ids = (n: number, p = 'run'): string[] =>
  Array.from({ length: n }, (_, i) => `${p}-${i}`);

function start(
  storage: StorageAdapter,
  runs: WorkerOptions<Msg>['runs'],
  extra: Partial<WorkerOptions<Msg>> = {},
): Worker {
  const w = startWorker<Msg>({
    storage,
    runs,
    run: liveRun(),
    lease: LEASE,
    rebalanceEveryMs: EVERY,
    ...extra,
  });
  onCleanup(() => w.stop());
  return w;
}

/** A logger whose calls are recorded: `calls.error` etc. */
function silent() {
  const calls = {
    debug: vi.fn(),
    info: vi.fn(),
    warn: vi.fn(),
    error: vi.fn(),
  };
  const logger: Logger = {
    debug: (...a: unknown[]) => void calls.debug(...a),
    info: (...a: unknown[]) => void calls.info(...a),
    warn: (...a: unknown[]) => void calls.warn(...a),
    error: (...a: unknown[]) => void calls.error(...a),
  };
  return { logger, calls };
}

describe('startWorker options', () => {
  const storage = new MemoryStorage();
  const run = liveRun();
  const bad: [string, Partial<WorkerOptions<Msg>>, RegExp][] = [
    ['storage null', { storage: null as never }, /options\.storage.*null/],
    ['runs a string', { runs: 'r' as never }, /options\.runs.*"r"/],
    ['runs[1] empty', { runs: ['a', ''] }, /options\.runs\[1\]/],
    ['run missing', { run: undefined }, /options\.run\b.*undefined/],
    ['group empty', { group: '' }, /options\.group/],
    ['group null', { group: null as never }, /options\.group.*null/],
    ['id 7', { id: 7 as never }, /options\.id.*7/],
    ['lease null', { lease: null as never }, /options\.lease.*null/],
    ['lease.ttlMs 0', { lease: { ttlMs: 0 } }, /options\.lease\.ttlMs.*\b0\b/],
    [
      'renewEveryMs = ttlMs',
      { lease: { ttlMs: 100, renewEveryMs: 100 } },
      /options\.lease\.renewEveryMs.*100/,
    ],
    [
      'rebalanceEveryMs 0',
      { rebalanceEveryMs: 0 },
      /options\.rebalanceEveryMs.*\b0\b/,
    ],
    [
      'retryFailedAfterMs -1',
      { retryFailedAfterMs: -1 },
      /options\.retryFailedAfterMs.*-1/,
    ],
    ['onClaimed', { onClaimed: 'x' as never }, /options\.onClaimed.*"x"/],
    ['onReleased', { onReleased: 1 as never }, /options\.onReleased.*1/],
    ['onCompleted', { onCompleted: {} as never }, /options\.onCompleted/],
    ['logger a string', { logger: 'x' as never }, /options\.logger.*"x"/],
    ['logger null', { logger: null as never }, /options\.logger.*null/],
    ['logger w/o error', { logger: {} as never }, /options\.logger/],
  ];

  it.each(bad)('%s: TypeError/RangeError naming it', (_, extra, message) => {
    const call = () => startWorker({ storage, runs: [], run, ...extra });
    expect(call).toThrow(message);
    let error: unknown;
    try {
      call();
    } catch (e) {
      error = e;
    }
    expect(error instanceof TypeError || error instanceof RangeError).toBe(
      true,
    );
  });

  it('no options: TypeError naming them', () => {
    expect(() => startWorker(undefined as never)).toThrow(/options.*undefined/);
    expect(() => startWorker(undefined as never)).toThrow(TypeError);
  });

  it('TypeError for a FileStorage (no listLeases)', async () => {
    const files = await BACKENDS.find((b) => b.name === 'file')!
      .create()
      .open();
    expect(() => startWorker({ storage: files, runs: [], run })).toThrow(
      TypeError,
    );
  });

  it('TypeError for a read-only storage', () => {
    const reader = new MemoryStorage({ readOnly: true });
    expect(() => startWorker({ storage: reader, runs: [], run })).toThrow(
      TypeError,
    );
  });

  it('defaults: group "default", id <hostname>:<pid>:<random>, heartbeat ttl 10 000', async () => {
    const s = new MemoryStorage();
    const w = startWorker({ storage: s, runs: [], run });
    onCleanup(() => w.stop());
    expect(w.id.startsWith(`${hostname()}:${process.pid}:`)).toBe(true);
    expect(w.id.length).toBeGreaterThan(`${hostname()}:${process.pid}:`.length);
    const other = startWorker({ storage: s, runs: [], run });
    onCleanup(() => other.stop());
    expect(other.id).not.toBe(w.id);
    expect(w.status()).toMatchObject({ id: w.id, group: 'default' });
    await until(async () => (await s.listLeases!()).length === 2);
    const beat = (await s.listLeases!()).find(
      (l) => l.runId === `runstate-worker:default:${w.id}`,
    );
    expect(beat).toMatchObject({ owner: w.id });
    expect(beat!.expiresInMs).toBeGreaterThan(9_000);
    expect(beat!.expiresInMs).toBeLessThanOrEqual(10_000);
  });
});

describe.each(BACKENDS.filter((b) => b.name !== 'file'))(
  'startWorker on $name',
  (backend) => {
    const skip = backend.skip;
    const two = async () => {
      const t = backend.create();
      return [await t.open(), await t.open()] as const;
    };

    it.skipIf(skip)(
      'one worker claims every run after one interval; status and onClaimed tokens match the leases',
      async () => {
        const [s] = await two();
        const runs = ids(3);
        const claims: { runId: string; token: number }[] = [];
        const w = start(s, runs, {
          group: 'g',
          id: 'w1',
          rebalanceEveryMs: 300,
          onClaimed: (c) => claims.push(c),
        });
        await sleep(150);
        expect(claims).toEqual([]); // waits one interval (±20 %) first
        await until(() => w.status().owned.length === 3);
        expect(w.status()).toMatchObject({
          id: 'w1',
          group: 'g',
          owned: runs,
          completed: [],
          workers: 1,
          share: 3,
          stopping: false,
        });
        const leases = await s.listLeases!();
        expect(leases.map((l) => l.runId)).toEqual([
          ...runs,
          'runstate-worker:g:w1',
        ]);
        for (const c of claims) {
          expect(leases.find((l) => l.runId === c.runId)).toMatchObject({
            owner: 'w1',
            token: c.token,
          });
        }
        await until(async () => (await s.listRuns()).length === 3);
        expect(await s.listRuns()).toEqual(runs);
      },
    );

    it.skipIf(skip)(
      'two workers split the runs: ceil(runs / workers) each, each run owned once',
      async () => {
        const [s1, s2] = await two();
        const runs = ids(5);
        const a = start(s1, runs);
        const b = start(s2, runs);
        await until(
          () =>
            a.status().owned.length + b.status().owned.length === 5 &&
            a.status().workers === 2 &&
            b.status().workers === 2,
        );
        await sleep(3 * EVERY);
        const all = [...a.status().owned, ...b.status().owned].sort();
        expect(all).toEqual(runs);
        for (const w of [a, b]) {
          expect(w.status().share).toBe(3);
          expect(w.status().owned.length).toBeLessThanOrEqual(3);
        }
      },
    );

    it.skipIf(skip)(
      'stop(): onReleased "stopped" per run, leases and heartbeat freed at once, storage open, idempotent',
      async () => {
        const [s] = await two();
        const runs = ids(2);
        const released: ReleaseInfo[] = [];
        const w = start(s, runs, {
          onReleased: (r) => released.push(r),
        });
        await until(() => w.status().owned.length === 2);
        const first = w.stop();
        const second = w.stop();
        expect(w.status().stopping).toBe(true);
        await Promise.all([first, second]);
        await w.stop();
        expect(released.sort((x, y) => (x.runId < y.runId ? -1 : 1))).toEqual(
          runs.map((runId) => ({ runId, reason: 'stopped' })),
        );
        expect(w.status().owned).toEqual([]);
        expect(await s.listLeases!()).toEqual([]);
        await expect(s.listRuns()).resolves.toEqual(runs);
      },
    );

    it.skipIf(skip)(
      'stop() resolves for workers started together, runs handed over while starting included',
      async () => {
        const [s1, s2] = await two();
        const runs = ids(8);
        // An input that only listens for abort (never checks signal.aborted).
        const idle = (): WorkerRunOptions<Msg> => ({
          ...liveRun()(),
          input: async function* (_from, { signal }) {
            await new Promise((r) =>
              signal.addEventListener('abort', r, { once: true }),
            );
            yield* [];
          },
        });
        const a = start(s1, runs, { run: idle });
        const b = start(s2, runs, { run: idle });
        await until(
          () => a.status().owned.length + b.status().owned.length === 8,
        );
        const late = sleep(5_000).then(() => 'hung');
        await expect(
          Promise.race([Promise.all([a.stop(), b.stop()]), late]),
        ).resolves.not.toBe('hung');
        expect(await s1.listLeases!()).toEqual([]);
      },
    );

    it.skipIf(skip)('await using stops the worker', async () => {
      const [s] = await two();
      {
        await using w = start(s, ids(1));
        await until(() => w.status().owned.length === 1);
      }
      expect(await s.listLeases!()).toEqual([]);
    });

    it.skipIf(skip)(
      'a stopped worker’s runs are claimed by the other at its next rebalance, resumed from their savepoints',
      async () => {
        const [s1, s2] = await two();
        const runs = ids(4);
        const a = start(s1, runs);
        const b = start(s2, runs);
        await until(
          () => a.status().owned.length === 2 && b.status().owned.length === 2,
        );
        const mine = a.status().owned;
        await until(async () => {
          const ts = await Promise.all(mine.map((r) => s1.newestTimestamp(r)));
          return ts.every((t) => t !== undefined);
        });
        await a.stop();
        await until(() => b.status().owned.length === 4, 3_000);
        expect(b.status().workers).toBe(1);
      },
    );

    it.skipIf(skip)(
      'a joining worker gets its share: the others hand over (reason handed-over)',
      async () => {
        const [s1, s2] = await two();
        const runs = ids(4);
        const released: ReleaseInfo[] = [];
        const a = start(s1, runs, { onReleased: (r) => released.push(r) });
        await until(() => a.status().owned.length === 4);
        const b = start(s2, runs);
        await until(
          () => a.status().owned.length === 2 && b.status().owned.length === 2,
        );
        expect(released.map((r) => r.reason)).toEqual([
          'handed-over',
          'handed-over',
        ]);
      },
    );

    it.skipIf(skip)(
      'a run that leaves runs() is stopped with reason removed and its lease freed',
      async () => {
        const [s] = await two();
        let runs = ids(2);
        const released: ReleaseInfo[] = [];
        const w = start(s, () => runs, {
          onReleased: (r) => released.push(r),
        });
        await until(() => w.status().owned.length === 2);
        runs = ['run-0'];
        await until(() => w.status().owned.length === 1);
        expect(released).toEqual([{ runId: 'run-1', reason: 'removed' }]);
        const leased = (await s.listLeases!()).map((l) => l.runId);
        expect(leased).not.toContain('run-1');
      },
    );

    it.skipIf(skip)(
      'a run whose input ends completes (onCompleted), keeps its lease until stop()',
      async () => {
        const [s1, s2] = await two();
        const completed: CompletedInfo[] = [];
        const ended = (): WorkerRunOptions<Msg> => ({
          ...liveRun()(),
          input: () => [0, 100, 200, 600].map((t) => ({ timestamp: t, n: 1 })),
        });
        const a = start(s1, ['done'], {
          id: 'a',
          run: ended,
          onCompleted: (c) => completed.push(c),
        });
        await until(() => completed.length === 1);
        expect(completed[0]).toMatchObject({
          runId: 'done',
          result: { reason: 'completed' },
        });
        expect(completed[0]!.result.states.get('sum')).toBe(4);
        expect(a.status()).toMatchObject({
          owned: ['done'],
          completed: ['done'],
        });
        const claims: string[] = [];
        start(s2, ['done'], {
          run: ended,
          onClaimed: (c) => claims.push(c.runId),
        });
        await sleep(LEASE.ttlMs + 3 * EVERY);
        expect(claims).toEqual([]);
        expect((await s2.listLeases!('done')).map((l) => l.owner)).toEqual([
          'a',
        ]);
        await a.stop();
        await until(() => claims.length === 1);
      },
    );

    it.skipIf(skip)(
      'a run that fails: onReleased failed with its error, logged at error, lease freed, retried after retryFailedAfterMs',
      async () => {
        const [s] = await two();
        const released: ReleaseInfo[] = [];
        const claims: number[] = [];
        const { logger, calls } = silent();
        let fail = true;
        const failing = (): WorkerRunOptions<Msg> => ({
          ...liveRun()(),
          maxRestarts: 0,
          entities: {
            sum: (st: number | undefined, m: Msg) => {
              if (fail) throw new Error('boom');
              return (st ?? 0) + m.n;
            },
          },
        });
        start(s, ['bad'], {
          run: failing,
          retryFailedAfterMs: 800,
          logger,
          onReleased: (r) => released.push(r),
          onClaimed: () => claims.push(Date.now()),
        });
        await until(() => released.length === 1);
        const failedAt = Date.now();
        expect(released[0]).toMatchObject({ runId: 'bad', reason: 'failed' });
        expect(released[0]!.error).toBeInstanceOf(RunStateError);
        expect(calls.error).toHaveBeenCalled();
        expect(await s.listLeases!('bad')).toEqual([]);
        fail = false;
        await until(() => claims.length === 2, 3_000);
        expect(claims[1]! - failedAt).toBeGreaterThanOrEqual(700);
      },
    );

    it.skipIf(skip)('a throwing callback is logged and ignored', async () => {
      const [s] = await two();
      const { logger, calls } = silent();
      const w = start(s, ids(2), {
        logger,
        onClaimed: () => {
          throw new Error('callback bug');
        },
      });
      await until(() => w.status().owned.length === 2);
      expect(calls.error).toHaveBeenCalled();
    });

    it.skipIf(skip)(
      'a dead worker’s runs are claimed within ttlMs + rebalanceEveryMs of its last renewal',
      async () => {
        const [s1, s2] = await two();
        let dead = false;
        // A lost machine: no answer, until the test ends (then its calls
        // fail, so that its worker can be stopped).
        const hung: ((e: Error) => void)[] = [];
        const gone = () =>
          new Promise<never>((_, reject) => {
            hung.push(reject);
          });
        const hooks = Object.fromEntries(
          ['acquireLease', 'renewLease', 'releaseLease', 'listLeases'].map(
            (m) => [
              m,
              (next: (...a: unknown[]) => unknown, ...args: unknown[]) =>
                dead ? gone() : next(...args),
            ],
          ),
        );
        const dying = decorateStorage(s1, {
          ...hooks,
          writeSavepoint: (next, ...args) => (dead ? gone() : next(...args)),
        });
        const runs = ids(4);
        const a = start(dying, runs);
        const b = start(s2, runs);
        // Registered after the workers: runs before their stop().
        onCleanup(() => {
          dead = false;
          for (const r of hung) r(new RunStateError('E_STORAGE', 'gone'));
        });
        await until(
          () => a.status().owned.length === 2 && b.status().owned.length === 2,
        );
        dead = true;
        const diedAt = Date.now();
        await until(() => b.status().owned.length === 4, 5_000);
        const took = Date.now() - diedAt;
        expect(took).toBeLessThanOrEqual(LEASE.ttlMs + 1.2 * EVERY + 400);
      },
    );
  },
);

describe('a run whose options are bad (memory)', () => {
  it('run() throwing: onReleased failed with the error, and the lease is freed', async () => {
    const storage = new MemoryStorage();
    const released: ReleaseInfo[] = [];
    start(storage, ['r-1'], {
      id: 'w',
      run: () => {
        throw new Error('no such tenant');
      },
      onReleased: (r) => released.push(r),
    });
    await until(() => released.length === 1);
    expect(released[0]).toMatchObject({ runId: 'r-1', reason: 'failed' });
    expect(released[0]!.error).toMatchObject({ message: 'no such tenant' });
    expect(await storage.listLeases!('r-')).toEqual([]);
  });

  it('run() returning bad RunOptions: onReleased failed, and the lease is freed', async () => {
    const storage = new MemoryStorage();
    const released: ReleaseInfo[] = [];
    start(storage, ['r-1'], {
      id: 'w',
      run: () => ({ ...liveRun()(), schedule: -1 }),
      onReleased: (r) => released.push(r),
    });
    await until(() => released.length === 1);
    expect(released[0]).toMatchObject({ runId: 'r-1', reason: 'failed' });
    expect(released[0]!.error).toBeInstanceOf(RangeError); // its own error
    expect(await storage.listLeases!('r-')).toEqual([]);
  });

  it("a run's runId, storage and lease are the worker's, whatever run() returns", async () => {
    const storage = new MemoryStorage();
    const elsewhere = new MemoryStorage();
    const w = start(storage, ['r-1'], {
      id: 'w',
      run: () =>
        ({
          ...liveRun()(),
          runId: 'other',
          storage: elsewhere,
          lease: false,
        }) as WorkerRunOptions<Msg>,
    });
    await until(() => w.status().owned.length === 1);
    await until(
      async () => (await storage.newestTimestamp('r-1')) !== undefined,
    );
    expect(await elsewhere.listRuns()).toEqual([]);
    expect((await storage.listLeases!('r-')).map((l) => l.owner)).toEqual([
      'w',
    ]);
  });
});

describe('groups and an unreachable database (memory)', () => {
  it('workers of different groups ignore each other', async () => {
    const storage = new MemoryStorage();
    const a = start(storage, ids(2, 'a'), { group: 'ga' });
    const b = start(storage, ids(2, 'b'), { group: 'gb' });
    await until(
      () => a.status().owned.length === 2 && b.status().owned.length === 2,
    );
    expect(a.status()).toMatchObject({ workers: 1, share: 2 });
    expect(b.status()).toMatchObject({ workers: 1, share: 2 });
  });

  it('a failing rebalance is logged at warn and retried; the worker claims once the storage answers', async () => {
    let down = true;
    const storage = decorateStorage(new MemoryStorage(), {
      listLeases: (next, prefix) => {
        if (down) throw new RunStateError('E_STORAGE', 'injected: down');
        return next(prefix);
      },
    });
    const { logger, calls } = silent();
    const w = start(storage, ids(2), { logger });
    await until(() => calls.warn.mock.calls.length >= 2, 3_000, 'warnings');
    expect(w.status().owned).toEqual([]);
    down = false;
    await until(() => w.status().owned.length === 2, 3_000, 'claims');
  });
});

describe('rebalanceEveryMs default (memory)', () => {
  it('is lease.renewEveryMs (ttlMs / 3): the first claim comes one such interval (±20 %) after start', async () => {
    const storage = new MemoryStorage();
    const started = Date.now();
    let claimedAt = 0;
    const w = startWorker<Msg>({
      storage,
      runs: ['r-1'],
      run: liveRun(),
      lease: { ttlMs: 900 },
      onClaimed: () => {
        claimedAt = Date.now();
      },
    });
    onCleanup(() => w.stop());
    await until(() => claimedAt > 0, 3_000, 'the claim');
    expect(claimedAt - started).toBeGreaterThanOrEqual(0.8 * 300 - 5);
    expect(claimedAt - started).toBeLessThan(700);
  });
});

describe('a worker paused past its TTL (memory, simulated clock)', () => {
  it('its runs are taken over; its writes are fenced, onReleased lost, and it rejoins', async () => {
    let skew = 0;
    const storage = new MemoryStorage({ now: () => Date.now() + skew });
    const released: ReleaseInfo[] = [];
    const w = start(storage, ['r'], {
      id: 'paused',
      onReleased: (r) => released.push(r),
    });
    await until(() => w.status().owned.length === 1);
    await until(async () => (await storage.newestTimestamp('r')) !== undefined);
    skew = 10 * LEASE.ttlMs; // every lease of the worker expired
    const thief = await storage.acquireLease('r', {
      owner: 'thief',
      ttlMs: 600_000,
    });
    await until(() => released.length === 1, 3_000);
    expect(released[0]).toMatchObject({ runId: 'r', reason: 'lost' });
    expect(released[0]!.error).toMatchObject({
      name: 'RunStateError',
      code: expect.stringMatching(/E_FENCED|E_LOCKED/) as unknown,
    });
    expect(w.status().owned).toEqual([]);
    await until(async () =>
      (await storage.listLeases!('runstate-worker:')).some(
        (l) => l.owner === 'paused',
      ),
    );
    // Rejoined, it claims its share again once the run is free.
    await storage.releaseLease(thief);
    await until(() => w.status().owned.length === 1, 3_000, 'claimed again');
  });
});

describe('the worker logger', () => {
  it('reaches each run unless run() gives one', async () => {
    const storage = new MemoryStorage();
    const { logger, calls } = silent();
    const own = silent();
    start(storage, ['x', 'y'], {
      logger,
      run: (runId) => ({
        ...liveRun()(),
        ...(runId === 'y' ? { logger: own.logger } : {}),
      }),
    });
    await until(() => own.calls.debug.mock.calls.length > 0);
    const runsLogged = (l: ReturnType<typeof silent>['calls']) =>
      new Set(
        Object.values(l)
          .flatMap((fn) => fn.mock.calls)
          .map((c) => (c[0] as { runId?: string } | undefined)?.runId)
          .filter((r) => r !== undefined),
      );
    await until(() => runsLogged(calls).has('x'));
    expect(runsLogged(own.calls).has('x')).toBe(false);
    expect(runsLogged(calls).has('y')).toBe(false);
  });
});
