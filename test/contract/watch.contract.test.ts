/**
 * Contract probes: `watchSavepoints`, `SavepointWatch`, `SavepointEvent`
 * and `WatchSavepointsOptions` as docs/api.md and docs/scaling.md promise
 * them, on every built-in backend: notices on Postgres and Redis, polling
 * on SQLite, files and memory. Savepoints are written through another
 * instance over the same data where the backend has one (another process).
 */
import { describe, expect, it } from 'vitest';
import {
  createStateStore,
  decorateStorage,
  MemoryStorage,
  watchSavepoints,
  type Logger,
  type SavepointEvent,
  type SavepointWatch,
  type StorageAdapter,
} from '../../src/index.js';
import { BACKENDS, onCleanup, sleep, sp, until } from './backends.js';

const POLL = 40;

/** Read events into `events` until the watch ends; `ended` settles then. */
function drain(watch: SavepointWatch) {
  const events: SavepointEvent[] = [];
  const ended = (async () => {
    for await (const e of watch) events.push(e);
  })();
  ended.catch(() => undefined);
  return { events, ended };
}

const plain = (events: readonly SavepointEvent[]) =>
  events.map(({ runId, timestamp, mayHaveMissed }) => ({
    runId,
    timestamp,
    mayHaveMissed,
  }));

describe('watchSavepoints options', () => {
  const storage = new MemoryStorage();
  it.each([
    ['no options', undefined, TypeError, /options/],
    ['runs missing', {}, TypeError, /options\.runs.*undefined/],
    ['runs 7', { runs: 7 }, TypeError, /options\.runs.*7/],
    ['runs[1] empty', { runs: ['a', ''] }, RangeError, /options\.runs\[1\]/],
    [
      'pollEveryMs 0',
      { runs: 'a', pollEveryMs: 0 },
      RangeError,
      /options\.pollEveryMs.*\b0\b/,
    ],
    [
      'pollEveryMs 1.5',
      { runs: 'a', pollEveryMs: 1.5 },
      RangeError,
      /options\.pollEveryMs.*1\.5/,
    ],
    [
      'pollEveryMs null',
      { runs: 'a', pollEveryMs: null },
      TypeError,
      /options\.pollEveryMs.*null/,
    ],
    ['signal {}', { runs: 'a', signal: {} }, TypeError, /options\.signal/],
    [
      'signal null',
      { runs: 'a', signal: null },
      TypeError,
      /options\.signal.*null/,
    ],
    [
      'logger "x"',
      { runs: 'a', logger: 'x' },
      TypeError,
      /options\.logger.*"x"/,
    ],
    ['logger {}', { runs: 'a', logger: {} }, TypeError, /options\.logger/],
  ])('%s: %o at once, naming it', (_, options, type, message) => {
    const call = () => watchSavepoints(storage, options as never);
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it('a storage that is not an object: TypeError naming it and the value', () => {
    expect(() => watchSavepoints(null as never, { runs: 'a' })).toThrow(
      /storage.*null/,
    );
  });
});

describe.each(BACKENDS)('watchSavepoints on $name', (backend) => {
  const skip = backend.skip;
  const pair = async (): Promise<[StorageAdapter, StorageAdapter]> => {
    const t = backend.create();
    return [await t.open(), await t.open()];
  };
  const watch = (s: StorageAdapter, runs: string | string[] | RegExp) => {
    const w = watchSavepoints(s, { runs, pollEveryMs: POLL });
    onCleanup(() => w.close());
    return w;
  };

  it.skipIf(skip)(
    `mode is ${backend.notifies ? 'notify' : 'poll'}; ready resolves`,
    async () => {
      const [reader] = await pair();
      const w = watch(reader, 'r');
      expect(w.mode).toBe(backend.notifies ? 'notify' : 'poll');
      await expect(w.ready).resolves.toBeUndefined();
    },
  );

  it.skipIf(skip)(
    'yields each savepoint committed after ready, in order per run, only of watched runs',
    async () => {
      const [reader, writer] = await pair();
      await writer.writeSavepoint('a', sp(1), { keep: 5 });
      const w = watch(reader, ['a', 'b']);
      await w.ready;
      const { events } = drain(w);
      for (const ts of [2, 3, 4]) {
        await writer.writeSavepoint('a', sp(ts), { keep: 5 });
        await writer.writeSavepoint('b', sp(ts * 10), { keep: 5 });
        await writer.writeSavepoint('c', sp(ts), { keep: 5 });
      }
      await until(() => events.length >= 6, 5_000, 'six events');
      await sleep(3 * POLL);
      const of = (run: string) =>
        plain(events.filter((e) => e.runId === run)).map((e) => e.timestamp);
      expect(of('a')).toEqual([2, 3, 4]);
      expect(of('b')).toEqual([20, 30, 40]);
      expect(events.map((e) => e.runId)).not.toContain('c');
      for (const e of events) {
        expect(e).toEqual({
          runId: e.runId,
          timestamp: e.timestamp,
          version: expect.any(Number) as number,
          mayHaveMissed: false,
        });
      }
    },
  );

  it.skipIf(skip)(
    'a RegExp watches matching runs, runs created later included',
    async () => {
      const [reader, writer] = await pair();
      const w = watch(reader, /^orders-/);
      await w.ready;
      const { events } = drain(w);
      await writer.writeSavepoint('orders-1', sp(1), { keep: 2 });
      await writer.writeSavepoint('refunds-1', sp(1), { keep: 2 });
      await writer.writeSavepoint('orders-2', sp(5), { keep: 2 });
      await until(() => events.length >= 2, 5_000, 'two events');
      await sleep(3 * POLL);
      expect(
        plain(events).sort((x, y) => (x.runId < y.runId ? -1 : 1)),
      ).toEqual([
        { runId: 'orders-1', timestamp: 1, mayHaveMissed: false },
        { runId: 'orders-2', timestamp: 5, mayHaveMissed: false },
      ]);
    },
  );

  it.skipIf(skip)(
    "event.version is the savepoint's version as written by a store",
    async () => {
      const [reader, writer] = await pair();
      const w = watch(reader, 'v');
      await w.ready;
      const { events } = drain(w);
      const store = createStateStore({
        runId: 'v',
        schedule: 1_000,
        storage: writer,
        version: 3,
        migrations: undefined,
      });
      onCleanup(() => store.close());
      const [e] = await store.initRunState(0, [['e', 0]]);
      store.save(e!, 1_000, 1);
      await store.flush();
      await until(() => events.length >= 1, 5_000, 'an event');
      const listed = await writer.listSavepointInfo!('v');
      expect(events[0]).toMatchObject({ runId: 'v', timestamp: 1_000 });
      expect(events[0]!.version).toBe(listed[0]!.version);
    },
  );

  it.skipIf(skip)(
    'close() ends the iteration and is idempotent; a signal ends it too',
    async () => {
      const [reader] = await pair();
      const w = watch(reader, 'r');
      await w.ready;
      const { ended } = drain(w);
      const [x, y] = [w.close(), w.close()];
      await Promise.all([x, y, w.close()]);
      await expect(ended).resolves.toBeUndefined();
      const controller = new AbortController();
      const w2 = watchSavepoints(reader, {
        runs: 'r',
        signal: controller.signal,
        pollEveryMs: POLL,
      });
      onCleanup(() => w2.close());
      await w2.ready;
      const d2 = drain(w2);
      controller.abort();
      await expect(d2.ended).resolves.toBeUndefined();
    },
  );

  it.skipIf(skip)('leaving a for await loop closes the watch', async () => {
    const [reader, writer] = await pair();
    const w = watch(reader, 'r');
    await w.ready;
    const loop = (async () => {
      for await (const e of w) return e;
      return undefined;
    })();
    await writer.writeSavepoint('r', sp(1), { keep: 2 });
    await expect(loop).resolves.toMatchObject({ timestamp: 1 });
    // Closed: a new iteration ends at once.
    const again = drain(w);
    await expect(again.ended).resolves.toBeUndefined();
  });

  it.skipIf(skip)(
    'the storage closed under the watch ends the iteration with E_CLOSED, after the events queued',
    async () => {
      const [reader, writer] = await pair();
      const w = watch(reader, 'r');
      await w.ready;
      await writer.writeSavepoint('r', sp(1), { keep: 2 });
      await sleep(backend.notifies ? 200 : 3 * POLL);
      await reader.close();
      const { events, ended } = drain(w);
      await expect(ended).rejects.toMatchObject({
        name: 'RunStateError',
        code: 'E_CLOSED',
      });
      expect(plain(events)).toEqual([
        { runId: 'r', timestamp: 1, mayHaveMissed: false },
      ]);
    },
  );

  it.skipIf(skip || backend.notifies)(
    'a poll that finds more than keep savepoints written since the last one flags mayHaveMissed',
    async () => {
      const [reader, writer] = await pair();
      await writer.writeSavepoint('r', sp(1), { keep: 2 });
      const w = watchSavepoints(reader, { runs: 'r', pollEveryMs: 300 });
      onCleanup(() => w.close());
      await w.ready;
      const { events } = drain(w);
      for (const ts of [2, 3, 4]) {
        await writer.writeSavepoint('r', sp(ts), { keep: 2 });
      }
      await until(() => events.length >= 2, 3_000, 'two events');
      expect(plain(events)).toEqual([
        { runId: 'r', timestamp: 3, mayHaveMissed: true },
        { runId: 'r', timestamp: 4, mayHaveMissed: false },
      ]);
    },
  );

  it.skipIf(skip || backend.notifies)(
    'a poll after fewer than keep savepoints (none pruned) does not flag mayHaveMissed',
    async () => {
      const [reader, writer] = await pair();
      await writer.writeSavepoint('r', sp(1), { keep: 3 });
      const w = watchSavepoints(reader, { runs: 'r', pollEveryMs: 300 });
      onCleanup(() => w.close());
      await w.ready;
      const { events } = drain(w);
      for (const ts of [2, 3]) {
        await writer.writeSavepoint('r', sp(ts), { keep: 3 });
      }
      await until(() => events.length >= 2, 3_000, 'two events');
      expect(plain(events)).toEqual([
        { runId: 'r', timestamp: 2, mayHaveMissed: false },
        { runId: 'r', timestamp: 3, mayHaveMissed: false },
      ]);
    },
  );
});

describe('watchSavepoints start-up failure', () => {
  it('ready and the iteration reject with E_STORAGE when the first read fails', async () => {
    const failing = decorateStorage(new MemoryStorage(), {
      newestTimestamp: () => {
        throw new Error('disk on fire');
      },
    });
    const w = watchSavepoints(failing, { runs: 'r', pollEveryMs: POLL });
    await expect(w.ready).rejects.toMatchObject({
      name: 'RunStateError',
      code: 'E_STORAGE',
    });
    await expect(drain(w).ended).rejects.toMatchObject({ code: 'E_STORAGE' });
  });
});

describe('watchSavepoints later failures (polling)', () => {
  it('a failing poll is logged at warn and retried; savepoints are yielded once it answers', async () => {
    const inner = new MemoryStorage();
    let down = false;
    const storage = decorateStorage(inner, {
      newestTimestamp: (next, runId) => {
        if (down) throw new Error('injected: down');
        return next(runId);
      },
    });
    const warnings: unknown[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => void warnings.push(args),
      error: () => undefined,
    };
    const w = watchSavepoints(storage, {
      runs: 'r',
      pollEveryMs: POLL,
      logger,
    });
    onCleanup(() => w.close());
    await w.ready;
    const { events } = drain(w);
    down = true;
    await inner.writeSavepoint('r', sp(1), { keep: 5 });
    await until(() => warnings.length >= 1, 2_000, 'a warning');
    expect(events).toEqual([]);
    down = false;
    await until(() => events.length === 1, 2_000, 'the event');
    expect(plain(events)).toEqual([
      { runId: 'r', timestamp: 1, mayHaveMissed: false },
    ]);
  });
});
