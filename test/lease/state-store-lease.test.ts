import { describe, expect, it, vi } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  type RunStateError,
  type StorageAdapter,
} from '../../src/index.js';

const MINUTE = 60_000;

/** A store on `storage` for run `r`, collecting what reaches onError. */
function storeOn(
  storage: StorageAdapter,
  lease: Parameters<typeof createStateStore>[0]['lease'] = {},
) {
  const errors: RunStateError[] = [];
  const store = createStateStore({
    runId: 'r',
    schedule: MINUTE,
    storage,
    lease,
    onError: (error) => errors.push(error),
  });
  return { store, errors };
}

describe('StateStore run lease', () => {
  it('refuses a second store on a held run with E_LOCKED, naming the holder', async () => {
    await using storage = await MemoryStorage.open();
    const a = storeOn(storage, { owner: 'a' });
    await a.store.initRunState(0, [['n', 0]]);
    const b = storeOn(storage, { owner: 'b' });
    await expect(b.store.loadRunState()).rejects.toMatchObject({
      code: 'E_LOCKED',
      details: { runId: 'r', owner: 'a' },
    });
    await a.store.close();
    await b.store.close();
  });

  it('frees the run at once on close()', async () => {
    await using storage = await MemoryStorage.open();
    const a = storeOn(storage);
    const [n] = await a.store.initRunState(0, [['n', 0]]);
    a.store.save(n!, MINUTE, 1);
    await a.store.close();
    const b = storeOn(storage);
    const loaded = await b.store.loadRunState();
    expect(loaded.timestamp).toBe(MINUTE);
    await b.store.close();
  });

  it('waits for a held run when asked (waitMs) and gets it once freed', async () => {
    await using storage = await MemoryStorage.open();
    const a = storeOn(storage);
    await a.store.initRunState(0, [['n', 0]]);
    const b = storeOn(storage, { waitMs: 10_000 });
    const loading = b.store.isInitialized().then(() => b.store.loadRunState());
    const settled = vi.fn();
    void loading.then(settled, settled);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).not.toHaveBeenCalled();
    await a.store.close();
    // Initialised but never persisted: the load finds no savepoint, and
    // holds the lease (a fresh init by the same store is allowed).
    await expect(loading).rejects.toMatchObject({ code: 'E_NO_SAVEPOINT' });
    await expect(b.store.initRunState(0, [['n', 0]])).resolves.toHaveLength(1);
    await b.store.close();
  });

  it('fences a store whose lease was taken over: E_FENCED to onError and flush(), nothing of it lands, it stops', async () => {
    let now = 1_000_000;
    await using storage = await MemoryStorage.open({ now: () => now });
    const a = storeOn(storage, {
      owner: 'a',
      ttlMs: 1_000,
      renewEveryMs: 999,
    });
    const [n] = await a.store.initRunState(0, [['n', 0]]);
    a.store.save(n!, MINUTE, 1);
    await a.store.flush();
    expect(await storage.listSavepoints('r')).toEqual([MINUTE]);
    // a is paused past its TTL (its clock jumps); b takes the run over.
    now += 5_000;
    const b = storeOn(storage, { owner: 'b' });
    const loaded = await b.store.loadRunState();
    expect(loaded.timestamp).toBe(MINUTE);
    a.store.save(n!, 2 * MINUTE, 2);
    await expect(a.store.flush()).rejects.toMatchObject({ code: 'E_FENCED' });
    expect(a.errors.map((e) => e.code)).toEqual(['E_FENCED']);
    expect(await storage.listSavepoints('r')).toEqual([MINUTE]);
    expect(a.store.status().phase).toBe('closed');
    // Later saves are refused, each reported.
    a.store.save(n!, 3 * MINUTE, 3);
    expect(a.errors.map((e) => e.code)).toEqual(['E_FENCED', 'E_FENCED']);
    // b writes on.
    const [bn] = loaded.entities;
    b.store.save(bn!, 2 * MINUTE, 20);
    await b.store.flush();
    expect(await storage.listSavepoints('r')).toEqual([MINUTE, 2 * MINUTE]);
    await a.store.close();
    await b.store.close();
    // a's close() did not free b's lease... b's did: the run is free.
    const c = storeOn(storage);
    await expect(c.store.loadRunState()).resolves.toMatchObject({
      timestamp: 2 * MINUTE,
    });
    await c.store.close();
  });

  it('notices a takeover by renewal alone, without writing', async () => {
    let now = 1_000_000;
    await using storage = await MemoryStorage.open({ now: () => now });
    const a = storeOn(storage, { owner: 'a', ttlMs: 1_000, renewEveryMs: 20 });
    await a.store.initRunState(0, [['n', 0]]);
    now += 5_000;
    const b = storeOn(storage, { owner: 'b' });
    await b.store.initRunState(0, [['n', 0]]);
    await vi.waitFor(() =>
      expect(a.errors.map((e) => e.code)).toEqual(['E_FENCED']),
    );
    expect(a.store.status().phase).toBe('closed');
    await a.store.close();
    await b.store.close();
  });

  it('keeps its lease alive by renewing it', async () => {
    let now = 1_000_000;
    await using storage = await MemoryStorage.open({ now: () => now });
    const a = storeOn(storage, { owner: 'a', ttlMs: 1_000, renewEveryMs: 20 });
    await a.store.initRunState(0, [['n', 0]]);
    for (let i = 0; i < 5; i++) {
      now += 500; // within the TTL of the last renewal, if it happened
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const b = storeOn(storage, { owner: 'b' });
    await expect(b.store.loadRunState()).rejects.toMatchObject({
      code: 'E_LOCKED',
    });
    expect(a.errors).toEqual([]);
    await a.store.close();
    await b.store.close();
  });

  it('holds no lease with lease: false, nor on a read-only storage', async () => {
    await using storage = await MemoryStorage.open();
    const a = storeOn(storage, false);
    const b = storeOn(storage, false);
    await a.store.initRunState(0, [['n', 0]]);
    await expect(b.store.loadRunState()).rejects.toMatchObject({
      code: 'E_NO_SAVEPOINT',
    });
    await a.store.close();
    await b.store.close();
    const reader = storeOn(await MemoryStorage.open({ readOnly: true }));
    await expect(reader.store.loadRunState()).rejects.toMatchObject({
      code: 'E_NO_SAVEPOINT',
    });
    await reader.store.close();
  });

  it('checks its lease options, naming them', () => {
    const storage = new MemoryStorage();
    expect(() => storeOn(storage, { ttlMs: 0 })).toThrow(/lease\.ttlMs/);
    expect(() => storeOn(storage, { ttlMs: 100, renewEveryMs: 100 })).toThrow(
      RangeError,
    );
    expect(() => storeOn(storage, { owner: '' })).toThrow(/lease\.owner/);
    expect(() => storeOn(storage, 'yes' as never)).toThrow(TypeError);
    // Found by the fuzz soak: null was taken for the default {}.
    expect(() => storeOn(storage, null as never)).toThrow(
      /^lease must be an object, got null/,
    );
  });
});
