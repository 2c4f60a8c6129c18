import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  RunStateError,
  createStateStore,
  defaultCodec,
  type Entity,
} from '../../src/index.js';
import { GatedStorage, captureLogger, memoryStore, settle } from './helpers.js';

const S = 60_000;

describe('createStateStore()', () => {
  it('validates its options, naming each', async () => {
    const storage = await MemoryStorage.open();
    expect(() => createStateStore({ runId: '', schedule: S, storage })).toThrow(
      /runId/,
    );
    expect(() =>
      createStateStore({ runId: 'r', schedule: 0, storage }),
    ).toThrow(/schedule/);
    expect(() =>
      createStateStore({ runId: 'r', schedule: S, storage: {} as never }),
    ).toThrow(/storage/);
    expect(() =>
      createStateStore({ runId: 'r', schedule: S, storage, keep: 0 }),
    ).toThrow(/keep.*0/);
    expect(() =>
      createStateStore({
        runId: 'r',
        schedule: S,
        storage,
        maxOpenSavepoints: -1,
      }),
    ).toThrow(/maxOpenSavepoints/);
    expect(() => createStateStore(null as never)).toThrow(TypeError);
  });

  it('does no I/O until asked', async () => {
    const storage = new GatedStorage();
    const { store } = await memoryStore({ storage });
    await settle();
    expect(await storage.listRuns()).toEqual([]);
    await store.close();
  });
});

describe('StateStore#initRunState()', () => {
  it('initialises storage and returns one entity per definition, in order', async () => {
    const { store } = await memoryStore();
    expect(await store.isInitialized()).toBe(false);
    const entities = await store.initRunState(10_000, [
      ['a', 1],
      ['b', 2],
    ]);
    expect(entities.map((e) => [e.id, e.state, e.nextSavepoint])).toEqual([
      ['a', 1, 60_000],
      ['b', 2, 60_000],
    ]);
    expect(await store.isInitialized()).toBe(true);
    await store.close();
  });

  it('rejects duplicate ids and bad timestamps before any I/O', async () => {
    const { store, storage } = await memoryStore();
    await expect(
      store.initRunState(0, [
        ['a', 1],
        ['a', 2],
      ]),
    ).rejects.toThrow(/"a" twice/);
    await expect(store.initRunState(-1, [])).rejects.toThrow(RangeError);
    await expect(store.initRunState(0, 5 as never)).rejects.toThrow(TypeError);
    expect(await storage.listRuns()).toEqual([]);
    await store.close();
  });

  it('refuses a second init with E_INVALID_STATE', async () => {
    const { store } = await memoryStore();
    await store.initRunState(0, [['a', 1]]);
    await expect(store.initRunState(0, [['a', 1]])).rejects.toMatchObject({
      code: 'E_INVALID_STATE',
    });
    await store.close();
  });

  it('refuses to start over a run that has savepoints, leaving them intact', async () => {
    const { store, storage } = await memoryStore();
    const [a] = await store.initRunState(0, [['a', 1]]);
    a!.ackProcessedTime(60_000);
    await store.close();
    const second = await memoryStore({ storage });
    await expect(
      second.store.initRunState(0, [['a', 9]]),
    ).rejects.toMatchObject({ code: 'E_INVALID_STATE' });
    expect(await storage.listSavepoints('run-1')).toEqual([60_000]);
    await second.store.close();
  });
});

describe('StateStore#save()', () => {
  it('persists a savepoint once every entity saved, keeping the newest `keep`', async () => {
    const { store, storage, persisted, errors } = await memoryStore({
      keep: 2,
    });
    let [a, b] = await store.initRunState<string>(10_000, [
      ['a', 'A0'],
      ['b', 'B0'],
    ]);
    for (const t of [60_000, 120_000, 180_000]) {
      a = a!.updateState(t - 1, `A${t}`).ackProcessedTime(t);
      b = b!.updateState(t - 1, `B${t}`).ackProcessedTime(t);
    }
    await store.flush();
    expect(persisted).toEqual([60_000, 120_000, 180_000]);
    expect(await storage.listSavepoints('run-1')).toEqual([120_000, 180_000]);
    const newest = await storage.readSavepoint('run-1');
    const states = Object.fromEntries(
      newest!.entries.map(([id, bytes]) => [id, defaultCodec.decode(bytes)]),
    );
    expect(states).toEqual({ a: 'A180000', b: 'B180000' });
    expect(errors).toEqual([]);
    await store.close();
  });

  it('isolates the stored state from later mutation by the owner', async () => {
    const { store, storage } = await memoryStore();
    const [e] = (await store.initRunState(0, [
      ['a', { items: [1] }],
    ])) as Entity<{ items: number[] }>[];
    e!.ackProcessedTime(60_000);
    e!.state.items.push(2);
    await store.flush();
    const sp = await storage.readSavepoint('run-1');
    expect(defaultCodec.decode(sp!.entries[0]![1])).toEqual({ items: [1] });
    await store.close();
  });

  it('reports a save before init as E_NOT_INITIALIZED without crashing', async () => {
    const { store, errors } = await memoryStore();
    const other = await memoryStore({ runId: 'other' });
    const [e] = await other.store.initRunState(0, [['a', 1]]);
    store.save(e!, 60_000);
    await settle();
    expect(errors.map((x) => x.code)).toEqual(['E_NOT_INITIALIZED']);
    expect(errors[0]?.details).toMatchObject({
      entityId: 'a',
      timestamp: 60_000,
    });
    await store.close();
    await other.store.close();
  });

  it('reports an unstorable state as E_UNSTORABLE naming the entity and path', async () => {
    const { store, errors, storage } = await memoryStore();
    const [e] = await store.initRunState(0, [
      ['orders', { items: [0, 1, 2, { onChange: () => 1 }] }],
    ]);
    e!.ackProcessedTime(60_000);
    await store.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'E_UNSTORABLE',
      details: { entityId: 'orders' },
    });
    expect(errors[0]?.message).toContain('orders → items[3].onChange');
    expect(await storage.listSavepoints('run-1')).toEqual([]);
    await store.close();
  });

  it('throws a TypeError for arguments that are not an entity and a timestamp', async () => {
    const { store } = await memoryStore();
    expect(() => store.save(null as never, 0)).toThrow(TypeError);
    const [e] = await store.initRunState(0, [['a', 1]]);
    expect(() => store.save(e!, -5)).toThrow(RangeError);
    await store.close();
  });

  it('warns about and counts saves from unknown entities', async () => {
    const { logger, lines } = captureLogger();
    const { store } = await memoryStore({ logger });
    await store.initRunState(0, [['a', 1]]);
    const stranger = await memoryStore({ runId: 'x' });
    const [ghost] = await stranger.store.initRunState(0, [['ghost', 1]]);
    store.save(ghost!, 60_000);
    await store.flush();
    expect(store.status().counters.unknown).toBe(1);
    expect(
      lines.some((l) => l.level === 'warn' && l.bindings.entityId === 'ghost'),
    ).toBe(true);
    await store.close();
    await stranger.store.close();
  });

  it('persists one savepoint at a time, in timestamp order', async () => {
    const storage = new GatedStorage();
    const { store } = await memoryStore({ storage, keep: 5 });
    storage.hold();
    let [a] = await store.initRunState(0, [['a', 0]]);
    for (let t = 60_000; t <= 300_000; t += 60_000) a = a!.ackProcessedTime(t);
    await settle();
    expect(store.status().pendingPersists).toBe(5);
    storage.release();
    await store.flush();
    expect(storage.written).toEqual([
      60_000, 120_000, 180_000, 240_000, 300_000,
    ]);
    expect(storage.maxActive).toBe(1);
    await store.close();
  });

  it('reports a storage failure as E_STORAGE with cause, keeps what was persisted, and persists the next savepoint', async () => {
    const storage = new GatedStorage();
    const { store, errors, persisted } = await memoryStore({ storage });
    let [a] = await store.initRunState(0, [['a', 0]]);
    a = a!.ackProcessedTime(60_000);
    await store.flush();
    const cause = Object.assign(new Error('disk full'), {
      code: 'SQLITE_FULL',
    });
    storage.failNext = cause;
    a = a.ackProcessedTime(120_000);
    await store.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'E_STORAGE',
      cause,
      details: { timestamp: 120_000 },
    });
    expect(await storage.listSavepoints('run-1')).toEqual([60_000]);
    a.ackProcessedTime(180_000);
    await store.flush();
    expect(persisted).toEqual([60_000, 180_000]);
    expect(store.status().counters).toMatchObject({ persisted: 2, failed: 1 });
    await store.close();
  });
});

describe('StateStore#loadRunState()', () => {
  async function runWithSavepoints(timestamps: number[]) {
    const { store, storage } = await memoryStore({ keep: 5 });
    let [a, b] = await store.initRunState(0, [
      ['a', 'a0'],
      ['b', 'b0'],
    ]);
    for (const t of timestamps) {
      a = a!.updateState(t, `a@${t}`).ackProcessedTime(t);
      b = b!.updateState(t, `b@${t}`).ackProcessedTime(t);
    }
    await store.close();
    return storage;
  }

  it('fails with E_NO_SAVEPOINT when nothing was persisted, writing nothing', async () => {
    const { store, storage } = await memoryStore();
    await expect(store.loadRunState()).rejects.toMatchObject({
      code: 'E_NO_SAVEPOINT',
    });
    expect(await store.isInitialized()).toBe(false);
    expect(await storage.listRuns()).toEqual([]);
    await store.close();
  });

  it('resumes from the newest savepoint with entities due at the following one', async () => {
    const storage = await runWithSavepoints([60_000, 120_000]);
    const { store } = await memoryStore({ storage });
    const loaded = await store.loadRunState();
    expect(loaded.timestamp).toBe(120_000);
    expect(
      loaded.entities.map((e) => [e.id, e.state, e.nextSavepoint, e.timestamp]),
    ).toEqual([
      ['a', 'a@120000', 180_000, 120_000],
      ['b', 'b@120000', 180_000, 120_000],
    ]);
    expect(store.status().open.map((o) => o.timestamp)).toEqual([180_000]);
    await store.close();
  });

  it('works on a read-only storage and leaves isInitialized unchanged', async () => {
    const storage = await runWithSavepoints([60_000]);
    const { store } = await memoryStore({ storage });
    const before = await store.isInitialized();
    await store.loadRunState();
    expect(await store.isInitialized()).toBe(before);
    await store.close();
  });

  it('passes the states through update, which may rename, add and drop entities', async () => {
    const storage = await runWithSavepoints([60_000]);
    const { store, persisted } = await memoryStore({ storage });
    const loaded = await store.loadRunState((states, timestamp) => {
      expect(timestamp).toBe(60_000);
      const byId = new Map(states);
      return [
        ['alpha', { migrated: byId.get('a') }],
        ['c', 'new'],
      ];
    });
    expect(loaded.entities.map((e) => [e.id, e.state])).toEqual([
      ['alpha', { migrated: 'a@60000' }],
      ['c', 'new'],
    ]);
    for (const e of loaded.entities) e.ackProcessedTime(120_000);
    await store.flush();
    expect(persisted).toEqual([120_000]);
    await store.close();
  });

  it('turns a throwing update into E_UPDATE_FAILED with cause, writes nothing, and stays usable', async () => {
    const storage = await runWithSavepoints([60_000]);
    const { store } = await memoryStore({ storage });
    const boom = new Error('bad migration');
    await expect(
      store.loadRunState(() => {
        throw boom;
      }),
    ).rejects.toMatchObject({ code: 'E_UPDATE_FAILED', cause: boom });
    await expect(
      store.loadRunState(() => 'nope' as never),
    ).rejects.toMatchObject({ code: 'E_UPDATE_FAILED' });
    await expect(
      store.loadRunState(() => [
        ['x', 1],
        ['x', 2],
      ]),
    ).rejects.toThrow(/"x" twice/);
    expect(await storage.listSavepoints('run-1')).toEqual([60_000]);
    const loaded = await store.loadRunState();
    expect(loaded.timestamp).toBe(60_000);
    await store.close();
  });

  it('falls back past a corrupted newest savepoint and moves it aside before persisting past it', async () => {
    const storage = await runWithSavepoints([60_000, 120_000]);
    const newest = await storage.readSavepoint('run-1', 120_000);
    const entries = newest!.entries.map(
      ([id, bytes]) =>
        [
          id,
          bytes.map((x, i) => (i === bytes.length - 1 ? x ^ 0xff : x)),
        ] as const,
    );
    await storage.deleteRun('run-1');
    await storage.writeSavepoint(
      'run-1',
      {
        timestamp: 60_000,
        entries: (await runWithSavepoints([60_000]).then((s) =>
          s.readSavepoint('run-1'),
        ))!.entries,
      },
      { keep: 5 },
    );
    await storage.writeSavepoint(
      'run-1',
      { timestamp: 120_000, entries },
      { keep: 5 },
    );
    const { logger, lines } = captureLogger();
    const { store, persisted, errors } = await memoryStore({ storage, logger });
    const loaded = await store.loadRunState();
    expect(loaded.timestamp).toBe(60_000);
    expect(loaded.skipped).toEqual([120_000]);
    expect(
      lines.some((l) => l.level === 'warn' && l.bindings.timestamp === 120_000),
    ).toBe(true);
    expect(await storage.listSavepoints('run-1')).toEqual([60_000, 120_000]);
    for (const e of loaded.entities) e.ackProcessedTime(120_000);
    await store.flush();
    expect(errors).toEqual([]);
    expect(persisted).toEqual([120_000]);
    expect(await storage.listSavepoints('run-1')).toEqual([60_000, 120_000]);
    const fresh = await storage.readSavepoint('run-1', 120_000);
    expect(defaultCodec.decode(fresh!.entries[0]![1])).toBe('a@60000');
    await store.close();
  });
});

describe('StateStore#status()', () => {
  it('shows each open savepoint with the entities holding it back', async () => {
    const { store } = await memoryStore();
    const [a] = await store.initRunState(10_000, [
      ['a', 1],
      ['b', 2],
    ]);
    a!.ackProcessedTime(130_000);
    await store.flush();
    const status = store.status();
    expect(status.phase).toBe('ready');
    expect(status.open).toEqual([
      { timestamp: 60_000, filled: 1, missing: ['b'] },
      { timestamp: 120_000, filled: 1, missing: ['b'] },
    ]);
    await store.close();
    expect(store.status().phase).toBe('closed');
  });
});

describe('StateStore#close()', () => {
  it('waits for a persist in flight and for queued savepoints', async () => {
    const storage = new GatedStorage();
    const { store } = await memoryStore({ storage, keep: 3 });
    storage.hold();
    const [a] = await store.initRunState(0, [['a', 0]]);
    a!.ackProcessedTime(60_000).ackProcessedTime(120_000);
    let closed = false;
    const closing = store.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    storage.release();
    await closing;
    expect(storage.written).toEqual([60_000, 120_000]);
  });

  it('is idempotent, and every later call fails with E_CLOSED', async () => {
    const { store, errors } = await memoryStore();
    const [a] = await store.initRunState(0, [['a', 0]]);
    await store.close();
    await store.close();
    await expect(store.isInitialized()).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
    await expect(store.initRunState(0, [])).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
    await expect(store.loadRunState()).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
    await expect(store.flush()).rejects.toBeInstanceOf(RunStateError);
    a!.ackProcessedTime(60_000);
    expect(errors.map((e) => e.code)).toEqual(['E_CLOSED']);
  });

  it('closes through await using', async () => {
    const storage = await MemoryStorage.open();
    let escaped: ReturnType<typeof createStateStore> | undefined;
    {
      await using store = createStateStore({
        runId: 'r',
        schedule: S,
        storage,
      });
      escaped = store;
      await store.initRunState(0, [['a', 0]]);
    }
    await expect(escaped.flush()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('closes a store that was never initialised', async () => {
    const { store } = await memoryStore();
    await store.close();
    expect(store.status().phase).toBe('closed');
  });
});
