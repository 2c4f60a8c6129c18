/**
 * Contract probes: a StateStore's and a supervised run's lease
 * (`StateStoreOptions.lease`, `RunOptions.lease`, `LeaseOptions`) as
 * docs/api.md and docs/scaling.md promise it, on every built-in backend.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  createStateStore,
  decorateStorage,
  MemoryStorage,
  RunStateError,
  startRun,
  type LeaseOptions,
  type StorageAdapter,
} from '../../src/index.js';
import { BACKENDS, backends, onCleanup, sleep, until } from './backends.js';

const MINUTE = 60_000;
const locked = { name: 'RunStateError', code: 'E_LOCKED' };
const fenced = { name: 'RunStateError', code: 'E_FENCED' };

/** A store for run `r`, closed after the test, collecting its errors. */
function storeOn(storage: StorageAdapter, lease?: LeaseOptions | false) {
  const errors: RunStateError[] = [];
  const store = createStateStore({
    runId: 'r',
    schedule: MINUTE,
    storage,
    ...(lease === undefined ? {} : { lease }),
    onError: (error) => errors.push(error),
  });
  onCleanup(() => store.close().catch(() => undefined));
  return { store, errors };
}

describe.each(BACKENDS)('StateStore lease on $name', (backend) => {
  const skip = backend.skip;

  it.skipIf(skip)(
    'default {}: a second store on a held run gets E_LOCKED naming the default owner',
    async () => {
      const storage = await backend.create().open();
      const a = storeOn(storage);
      await a.store.initRunState(0, [['n', 0]]);
      const b = storeOn(storage);
      const error = await b.store
        .initRunState(0, [['n', 0]])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ ...locked, details: { runId: 'r' } });
      const { owner, expiresInMs } = (error as RunStateError).details as {
        owner: string;
        expiresInMs: number;
      };
      expect(owner.startsWith(`${hostname()}:${process.pid}:`)).toBe(true);
      expect(owner.length).toBeGreaterThan(
        `${hostname()}:${process.pid}:`.length,
      );
      expect(expiresInMs).toBeGreaterThan(0);
      expect(expiresInMs).toBeLessThanOrEqual(10_000);
    },
  );

  it.skipIf(skip)(
    'loadRunState takes the lease too (E_LOCKED), and the store may retry once freed',
    async () => {
      const storage = await backend.create().open();
      const a = storeOn(storage, { owner: 'a' });
      const [n] = await a.store.initRunState(0, [['n', 0]]);
      a.store.save(n!, MINUTE, 1);
      await a.store.flush();
      const b = storeOn(storage, { owner: 'b' });
      await expect(b.store.loadRunState()).rejects.toMatchObject({
        ...locked,
        details: { runId: 'r', owner: 'a' },
      });
      await a.store.close();
      const loaded = await b.store.loadRunState();
      expect(loaded.timestamp).toBe(MINUTE);
    },
  );

  it.skipIf(skip)(
    'close() frees the run at once (well before the TTL)',
    async () => {
      const storage = await backend.create().open();
      const a = storeOn(storage, { ttlMs: 30_000 });
      await a.store.initRunState(0, [['n', 0]]);
      await a.store.close();
      const b = storeOn(storage);
      await expect(b.store.initRunState(0, [['n', 0]])).resolves.toHaveLength(
        1,
      );
    },
  );

  it.skipIf(skip)(
    'waitMs: retries until the run is free, then takes it',
    async () => {
      const storage = await backend.create().open();
      const a = storeOn(storage);
      await a.store.initRunState(0, [['n', 0]]);
      const b = storeOn(storage, { waitMs: 5_000 });
      const started = Date.now();
      setTimeout(() => void a.store.close(), 200);
      await expect(b.store.initRunState(0, [['n', 0]])).resolves.toHaveLength(
        1,
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    },
  );

  it.skipIf(skip)(
    'waitMs: E_LOCKED once the wait is over and the run is still held',
    async () => {
      const storage = await backend.create().open();
      const a = storeOn(storage, { owner: 'a' });
      await a.store.initRunState(0, [['n', 0]]);
      const b = storeOn(storage, { waitMs: 300 });
      const started = Date.now();
      await expect(b.store.initRunState(0, [['n', 0]])).rejects.toMatchObject({
        ...locked,
        details: { owner: 'a' },
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    },
  );

  it.skipIf(skip)(
    'renews in the background: the lease outlives its TTL while the store is open',
    async () => {
      const storage = await backend.create().open();
      const a = storeOn(storage, { owner: 'a', ttlMs: 600 });
      await a.store.initRunState(0, [['n', 0]]);
      await sleep(1_300);
      const b = storeOn(storage, { owner: 'b' });
      await expect(b.store.initRunState(0, [['n', 0]])).rejects.toMatchObject(
        locked,
      );
      expect(a.errors).toEqual([]);
    },
  );

  it.skipIf(skip)(
    'a fenced store stops: E_FENCED to onError once, flush() rejects, later saves refused, status closed, nothing lands',
    async () => {
      const t = backend.create();
      const inner = await t.open();
      let renew = true;
      // Renewals fail (a lost connection), so the lease expires.
      const storage = decorateStorage(inner, {
        renewLease: (next, lease, ttlMs) => {
          if (renew) return next(lease, ttlMs);
          throw new RunStateError('E_STORAGE', 'injected: unreachable');
        },
      });
      const a = storeOn(storage, { owner: 'a', ttlMs: 300 });
      const [n] = await a.store.initRunState(0, [['n', 0]]);
      a.store.save(n!, MINUTE, 1);
      await a.store.flush();
      renew = false;
      const other = await t.open();
      let b: { token: number } | undefined;
      await until(async () => {
        b = await other.acquireLease!('r', { owner: 'b', ttlMs: MINUTE }).catch(
          () => undefined,
        );
        return b !== undefined;
      });
      const n2 = n!.ackProcessedTime(MINUTE).updateState(MINUTE, 2);
      a.store.save(n2, 2 * MINUTE, 2);
      await expect(a.store.flush()).rejects.toMatchObject(fenced);
      await until(() => a.store.status().phase === 'closed', 2_000, 'closed');
      const fencings = a.errors.filter((e) => e.code === 'E_FENCED');
      expect(fencings).toHaveLength(1);
      expect(fencings[0]).toMatchObject({
        details: { runId: 'r', owner: 'a' },
      });
      a.store.save(n2, 3 * MINUTE, 3);
      await until(() => a.errors.length > 1, 1_000, 'second error');
      expect(a.errors.at(-1)).toMatchObject(fenced);
      expect(await other.listSavepoints('r')).toEqual([MINUTE]);
    },
  );

  it.skipIf(skip)(
    'lease: false takes no lease: writes go on while another owner holds the run',
    async () => {
      const storage = await backend.create().open();
      await storage.acquireLease!('r', { owner: 'other', ttlMs: MINUTE });
      const a = storeOn(storage, false);
      const [n] = await a.store.initRunState(0, [['n', 0]]);
      a.store.save(n!, MINUTE, 1);
      await a.store.flush();
      expect(await storage.listSavepoints('r')).toEqual([MINUTE]);
    },
  );

  it.skipIf(skip || backend.name === 'memory')(
    'ignored on a read-only storage: loading while another store holds the run',
    async () => {
      const t = backend.create();
      const storage = await t.open();
      const a = storeOn(storage, { owner: 'a' });
      const [n] = await a.store.initRunState(0, [['n', 0]]);
      a.store.save(n!, MINUTE, 1);
      await a.store.flush();
      const reader = storeOn(await t.open({ readOnly: true }));
      await expect(reader.store.loadRunState()).resolves.toMatchObject({
        timestamp: MINUTE,
      });
    },
  );
});

describe('LeaseOptions validation', () => {
  const [memory] = backends('memory');
  const make = (lease: unknown) => async () =>
    createStateStore({
      runId: 'r',
      schedule: MINUTE,
      storage: await memory!.create().open(),
      lease: lease as LeaseOptions,
    });

  it.each([
    [{ ttlMs: 0 }, RangeError, /lease\.ttlMs.*\b0\b/],
    [{ ttlMs: 1.5 }, RangeError, /lease\.ttlMs.*1\.5/],
    [{ ttlMs: '5' }, TypeError, /lease\.ttlMs.*5/],
    [{ renewEveryMs: 0 }, RangeError, /lease\.renewEveryMs.*\b0\b/],
    [{ ttlMs: 100, renewEveryMs: 100 }, RangeError, /lease\.renewEveryMs.*100/],
    [{ waitMs: -1 }, RangeError, /lease\.waitMs.*-1/],
    [{ waitMs: 0.5 }, RangeError, /lease\.waitMs.*0\.5/],
    [{ owner: '' }, RangeError, /lease\.owner/],
    [{ owner: 7 }, TypeError, /lease\.owner.*7/],
    ['yes', TypeError, /lease.*yes/],
    [true, TypeError, /lease.*true/],
    [null, TypeError, /lease.*null/],
  ])(
    'StateStoreOptions.lease %j: %o naming it',
    async (lease, type, message) => {
      await expect(make(lease)()).rejects.toThrow(type);
      await expect(make(lease)()).rejects.toThrow(message);
    },
  );

  it.each([
    [{ ttlMs: 0 }, RangeError, /options\.lease\.ttlMs.*\b0\b/],
    [{ waitMs: -5 }, RangeError, /options\.lease\.waitMs.*-5/],
    ['yes', TypeError, /options\.lease.*yes/],
    [null, TypeError, /options\.lease.*null/],
  ])('RunOptions.lease %j: %o naming it', async (lease, type, message) => {
    const storage = await memory!.create().open();
    const start = () =>
      startRun({
        runId: 'r',
        storage,
        schedule: MINUTE,
        startFrom: 0,
        entities: { n: (s: number | undefined) => s ?? 0 },
        input: () => [],
        lease: lease as LeaseOptions,
      });
    expect(start).toThrow(type);
    expect(start).toThrow(message);
  });
});

describe.each(BACKENDS)('RunOptions.lease on $name', (backend) => {
  const run = (storage: StorageAdapter, lease?: LeaseOptions) =>
    startRun({
      runId: 'r',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { n: (s: number | undefined) => (s ?? 0) + 1 },
      input: () =>
        Array.from({ length: 5 }, (_, i) => ({ timestamp: i * 1_000 })),
      ...(lease === undefined ? {} : { lease }),
    });

  it.skipIf(backend.skip).each([
    [
      'waits by default (2 × ttlMs) for a held run, and runs once it is free',
      {},
    ],
    [
      'an explicit waitMs: undefined takes the default 2 × ttlMs too',
      { waitMs: undefined },
    ],
  ])('%s', async (_, lease) => {
    const storage = await backend.create().open();
    const held = await storage.acquireLease!('r', {
      owner: 'other',
      ttlMs: MINUTE,
    });
    const handle = run(storage, { ttlMs: 600, ...lease });
    setTimeout(() => void storage.releaseLease!(held), 300);
    await expect(handle.done).resolves.toMatchObject({
      reason: 'completed',
    });
  });

  it.skipIf(backend.skip)(
    'fails with E_LOCKED after waiting 2 × ttlMs for a run still held',
    async () => {
      const storage = await backend.create().open();
      await storage.acquireLease!('r', { owner: 'other', ttlMs: MINUTE });
      const started = Date.now();
      const handle = run(storage, { ttlMs: 200 });
      const error = (await handle.done.then(
        () => undefined,
        (e: unknown) => e,
      )) as RunStateError | undefined;
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(350);
      const lockedSomewhere =
        error?.code === 'E_LOCKED' ||
        (error?.cause as RunStateError | undefined)?.code === 'E_LOCKED';
      expect(lockedSomewhere).toBe(true);
    },
  );
});

describe.each(BACKENDS)('a supervised run fenced on $name', (backend) => {
  it.skipIf(backend.skip)(
    'stops with E_FENCED, without restarting, and nothing of it lands after the takeover',
    async () => {
      const t = backend.create();
      const inner = await t.open();
      let renew = true;
      const storage = decorateStorage(inner, {
        renewLease: (next, lease, ttlMs) => {
          if (renew) return next(lease, ttlMs);
          throw new RunStateError('E_STORAGE', 'injected: unreachable');
        },
      });
      const restarts: unknown[] = [];
      const handle = startRun({
        runId: 'r',
        storage,
        schedule: 100,
        startFrom: 0,
        persistIntervalMs: 0,
        lease: { ttlMs: 300 },
        entities: { n: (s: number | undefined) => (s ?? 0) + 1 },
        onRestart: (info) => restarts.push(info),
        input: async function* (from, { signal }) {
          for (let ts = from; !signal.aborted; ts += 50) {
            await sleep(20);
            yield { timestamp: ts };
          }
        },
      });
      onCleanup(() => handle.stop());
      await until(async () => (await inner.newestTimestamp('r')) !== undefined);
      renew = false;
      const other = await t.open();
      let token = 0;
      await until(async () => {
        const got = await other.acquireLease!('r', {
          owner: 'b',
          ttlMs: MINUTE,
        }).catch(() => undefined);
        token = got?.token ?? 0;
        return got !== undefined;
      });
      const takenAt = await other.newestTimestamp('r');
      const error = (await handle.done.then(
        () => undefined,
        (e: unknown) => e,
      )) as RunStateError | undefined;
      expect(error).toMatchObject({ name: 'RunStateError', code: 'E_FENCED' });
      expect(restarts).toEqual([]);
      expect(token).toBeGreaterThan(0);
      await sleep(100);
      expect(await other.newestTimestamp('r')).toBe(takenAt);
    },
  );
});

describe('a store paused past its TTL (memory, simulated clock)', () => {
  it('is fenced by its next renewal, without writing: E_FENCED to onError once, status closed, flush() rejects', async () => {
    let skew = 0;
    const storage = new MemoryStorage({ now: () => Date.now() + skew });
    const a = storeOn(storage, { owner: 'a', ttlMs: 300, renewEveryMs: 50 });
    await a.store.initRunState(0, [['n', 0]]);
    skew = 10_000; // its lease expired while it was paused
    await storage.acquireLease('r', { owner: 'b', ttlMs: MINUTE });
    await until(() => a.errors.length > 0, 2_000, 'the fence');
    expect(a.errors).toHaveLength(1);
    expect(a.errors[0]).toMatchObject({
      ...fenced,
      details: { runId: 'r', owner: 'a' },
    });
    await until(() => a.store.status().phase === 'closed', 2_000, 'closed');
    await expect(a.store.flush()).rejects.toMatchObject(fenced);
    await sleep(150);
    expect(a.errors).toHaveLength(1);
  });
});

describe.each(BACKENDS)('a run stopped while it starts on $name', (backend) => {
  it.skipIf(backend.skip)(
    'stop() resolves, done is stopped, and the run is free at once (an input that only listens for abort)',
    async () => {
      const storage = await backend.create().open();
      const opened: AbortSignal[] = [];
      const handle = startRun({
        runId: 'r',
        storage,
        schedule: 1_000,
        startFrom: 0,
        lease: { ttlMs: MINUTE },
        entities: { n: (s: number | undefined) => s ?? 0 },
        input: async function* (_from, { signal }) {
          opened.push(signal);
          await new Promise((resolve) =>
            signal.addEventListener('abort', resolve, { once: true }),
          );
          yield* [];
        },
      });
      const stopped = handle.stop();
      const late = sleep(3_000).then(() => 'hung');
      await expect(Promise.race([stopped, late])).resolves.toBeUndefined();
      await expect(handle.done).resolves.toMatchObject({ reason: 'stopped' });
      expect(opened.every((s) => s.aborted)).toBe(true);
      await expect(
        storage.acquireLease!('r', { owner: 'next', ttlMs: MINUTE }),
      ).resolves.toMatchObject({ owner: 'next' });
    },
  );
});
