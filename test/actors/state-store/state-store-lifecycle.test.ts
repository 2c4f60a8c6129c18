import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  decorateStorage,
  type StorageMethodName,
} from '../../../src/index.js';
import { GatedStorage, memoryStore, settle } from './helpers.js';

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
    const calls: StorageMethodName[] = [];
    const storage = decorateStorage(await MemoryStorage.open(), {
      around: (call, next) => {
        calls.push(call.method);
        return next();
      },
    });
    const { store } = await memoryStore({ storage });
    await settle();
    store.status();
    await settle();
    expect(calls).toEqual([]); // no read, no write
    await store.isInitialized();
    expect(calls).toEqual(['isInitialized']);
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
    await expect(store.flush()).rejects.toMatchObject({
      name: 'RunStateError',
      code: 'E_CLOSED',
    });
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
