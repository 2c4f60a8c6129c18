import { describe, expect, it } from 'vitest';
import { defaultCodec, type Entity } from '../../../src/index.js';
import { GatedStorage, captureLogger, memoryStore, settle } from './helpers.js';

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

describe('StateStore: the worked sequence of spec §3 end to end', () => {
  it('one late ack fills every savepoint it skipped; only the newest complete one is persisted', async () => {
    const { store, storage, persisted } = await memoryStore({ keep: 10 });
    let [a, b] = await store.initRunState<string>(10_000, [
      ['a', 'a0'],
      ['b', 'b0'],
    ]);
    a = a!.ackProcessedTime(60_000);
    // b handles a message every minute; a sees nothing until 250 000.
    for (const t of [60_000, 120_000, 180_000, 240_000]) {
      b = b!.ackProcessedTime(t).updateState(t, `b@${t}`);
    }
    await store.flush();
    expect(persisted).toEqual([60_000]);
    expect(store.status().open.map((o) => [o.timestamp, o.missing])).toEqual([
      [120_000, ['a']],
      [180_000, ['a']],
      [240_000, ['a']],
    ]);
    a = a.ackProcessedTime(250_000);
    await store.flush();
    expect(persisted).toEqual([60_000, 240_000]);
    const newest = await storage.readSavepoint('run-1');
    expect(
      Object.fromEntries(
        newest!.entries.map(([id, x]) => [id, defaultCodec.decode(x)]),
      ),
    ).toEqual({ a: 'a0', b: 'b@180000' });
    expect(a.nextSavepoint).toBe(300_000);
    expect(store.status().open).toEqual([]);
    await store.close();
  });
});
