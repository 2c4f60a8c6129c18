import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  defaultCodec,
  type Entity,
  type StorageAdapter,
} from '../../../src/index.js';
import { GatedStorage, captureLogger, memoryStore, settle } from './helpers.js';

const S = 60_000;

async function decodedNewest(storage: StorageAdapter) {
  const sp = await storage.readSavepoint('run-1');
  return {
    timestamp: sp?.timestamp,
    states: Object.fromEntries(
      (sp?.entries ?? []).map(([id, b]) => [id, defaultCodec.decode(b)]),
    ),
  };
}

describe('StateStore: a lost save', () => {
  it('never lets a later state fill the savepoint it missed (consistent cut)', async () => {
    const { store, storage, errors, persisted } = await memoryStore({
      keep: 5,
    });
    let [a, b] = await store.initRunState<unknown>(10_000, [
      ['a', 1],
      ['b', 1],
    ]);
    // At 60 000 a's state cannot be stored: the save is lost and reported.
    a = a!.updateState(59_000, { bad: () => 0 }).ackProcessedTime(60_000);
    b = b!.updateState(59_000, 'b@60').ackProcessedTime(60_000);
    // a recovers; its next save is due at 120 000 and reflects 90 000.
    a.updateState(90_000, 'a@after-90').ackProcessedTime(125_000);
    b.updateState(90_000, 'b@after-90').ackProcessedTime(125_000);
    await store.flush();
    expect(errors.map((e) => e.code)).toEqual(['E_UNSTORABLE']);
    expect(persisted).toEqual([120_000]);
    expect(await decodedNewest(storage)).toEqual({
      timestamp: 120_000,
      states: { a: 'a@after-90', b: 'b@after-90' },
    });
    await store.close();
  });

  it('stores an explicit undefined returned by a transform', async () => {
    const { store, storage } = await memoryStore();
    const [a] = await store.initRunState(0, [['a', 'full state']]);
    a!.ackProcessedTime(60_000, () => undefined);
    await store.flush();
    expect(await decodedNewest(storage)).toEqual({
      timestamp: 60_000,
      states: { a: undefined },
    });
    await store.close();
  });
});

describe('StateStore: callbacks that throw', () => {
  it('logs a throwing onPersisted and keeps persisting', async () => {
    const { logger, lines } = captureLogger();
    const storage = await MemoryStorage.open();
    const store = createStateStore({
      runId: 'run-1',
      schedule: S,
      storage,
      logger,
      onPersisted: () => {
        throw new Error('observer bug');
      },
    });
    const [a] = await store.initRunState(0, [['a', 0]]);
    a!.ackProcessedTime(60_000).ackProcessedTime(120_000);
    await store.flush();
    expect(await storage.listSavepoints('run-1')).toEqual([60_000, 120_000]);
    expect(
      lines.filter((l) => /onPersisted callback threw/.test(l.message)),
    ).toHaveLength(2);
    expect(store.status().phase).toBe('ready');
    await store.close();
  });

  it('logs a throwing onError instead of crashing the process', async () => {
    const { logger, lines } = captureLogger();
    const storage = new GatedStorage();
    const store = createStateStore({
      runId: 'run-1',
      schedule: S,
      storage,
      logger,
      onError: () => {
        throw new Error('observer bug');
      },
    });
    const [a] = await store.initRunState(0, [['a', 0]]);
    storage.failNext = new Error('disk gone');
    a!.ackProcessedTime(60_000).ackProcessedTime(120_000);
    await store.flush();
    expect(lines.some((l) => /onError callback threw/.test(l.message))).toBe(
      true,
    );
    expect(storage.written).toEqual([120_000]);
    await store.close();
  });
});

describe('StateStore#flush()', () => {
  it('waits only for savepoints completed before the call', async () => {
    const storage = new GatedStorage();
    const { store } = await memoryStore({ storage, keep: 5 });
    storage.hold();
    let [a] = await store.initRunState(0, [['a', 0]]);
    a = a!.ackProcessedTime(60_000);
    let flushed = false;
    const flushing = store.flush().then(() => (flushed = true));
    a.ackProcessedTime(120_000).ackProcessedTime(180_000);
    await settle();
    storage.release();
    storage.hold(); // the next writes wait again
    await flushing;
    expect(flushed).toBe(true);
    expect(storage.written).toEqual([60_000]);
    storage.release();
    await store.close();
    expect(storage.written).toEqual([60_000, 120_000, 180_000]);
  });

  it('stops waiting with E_ABORTED when its signal aborts', async () => {
    const storage = new GatedStorage();
    const { store } = await memoryStore({ storage });
    storage.hold();
    const [a] = await store.initRunState(0, [['a', 0]]);
    a!.ackProcessedTime(60_000);
    const controller = new AbortController();
    const flushing = store.flush({ signal: controller.signal });
    controller.abort(new Error('shutdown'));
    await expect(flushing).rejects.toMatchObject({ code: 'E_ABORTED' });
    await expect(store.flush({ signal: 'x' as never })).rejects.toThrow(
      TypeError,
    );
    storage.release();
    await store.close();
    expect(storage.written).toEqual([60_000]);
  });
});

describe('StateStore#close() with a signal', () => {
  it('stops at once when aborted, dropping unpersisted savepoints with a warning', async () => {
    const { logger, lines } = captureLogger();
    const storage = new GatedStorage();
    const { store } = await memoryStore({ storage, logger, keep: 5 });
    storage.hold();
    const [a] = await store.initRunState(0, [['a', 0]]);
    a!
      .ackProcessedTime(60_000)
      .ackProcessedTime(120_000)
      .ackProcessedTime(180_000);
    const controller = new AbortController();
    const closing = store.close({ signal: controller.signal });
    await settle();
    controller.abort();
    await expect(closing).rejects.toMatchObject({ code: 'E_ABORTED' });
    await expect(store.close()).resolves.toBeUndefined();
    expect(store.status().phase).toBe('closed');
    const warning = lines.find((l) => /savepoints dropped/.test(l.message));
    expect(warning?.bindings.dropped).toEqual([60_000, 120_000, 180_000]);
    await expect(store.flush()).rejects.toMatchObject({ code: 'E_CLOSED' });
    storage.release();
  });

  it('rejects at once with an already-aborted signal, and still closes', async () => {
    const { store } = await memoryStore();
    await expect(
      store.close({ signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      code: 'E_ABORTED',
    });
    await store.close();
    expect(store.status().phase).toBe('closed');
  });
});

describe('StateStore: storage and update failures on load', () => {
  it('wraps a custom storage error on load as E_STORAGE with cause', async () => {
    const storage = await MemoryStorage.open();
    const cause = new Error('connection reset');
    storage.listSavepoints = () => Promise.reject(cause);
    const { store } = await memoryStore({ storage });
    await expect(store.loadRunState()).rejects.toMatchObject({
      code: 'E_STORAGE',
      cause,
    });
    await store.close();
  });

  it('turns an unusable id from update into E_UPDATE_FAILED', async () => {
    const first = await memoryStore();
    const [a] = await first.store.initRunState(0, [['a', 0]]);
    a!.ackProcessedTime(60_000);
    await first.store.close();
    const { store } = await memoryStore({ storage: first.storage });
    await expect(
      store.loadRunState(() => [['x'.repeat(2000), 1]]),
    ).rejects.toMatchObject({
      code: 'E_UPDATE_FAILED',
    });
    await expect(
      store.loadRunState(() => [[7, 1]] as never),
    ).rejects.toMatchObject({
      code: 'E_UPDATE_FAILED',
    });
    await expect(store.loadRunState(() => [['lone\ud800', 1]])).rejects.toThrow(
      /bad entity id.*lone UTF-16 surrogate/,
    );
    const loaded = await store.loadRunState();
    expect((loaded.entities as Entity<number>[]).map((e) => e.state)).toEqual([
      0,
    ]);
    await store.close();
  });
});

describe('createStateStore() option checks', () => {
  it('names a bad codec, logger or callback', async () => {
    const storage = await MemoryStorage.open();
    const base = { runId: 'r', schedule: S, storage };
    expect(() => createStateStore({ ...base, codec: {} as never })).toThrow(
      /codec.*encode/,
    );
    expect(() =>
      createStateStore({ ...base, logger: { info() {} } as never }),
    ).toThrow(/logger.*debug/);
    expect(() => createStateStore({ ...base, onError: 5 as never })).toThrow(
      /onError/,
    );
    expect(() =>
      createStateStore({ ...base, onPersisted: 'x' as never }),
    ).toThrow(/onPersisted/);
  });
});
