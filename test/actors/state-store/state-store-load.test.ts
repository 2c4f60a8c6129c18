import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { defaultCodec } from '../../../src/index.js';
import { captureLogger, memoryStore } from './helpers.js';

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

  it('works on a read-only storage, writing nothing, and leaves isInitialized unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runstate-ro-'));
    const path = join(dir, 'run.sqlite');
    try {
      {
        await using writer = await SqliteStorage.open({ path });
        const { store } = await memoryStore({ storage: writer });
        const [a] = await store.initRunState(0, [['a', 'x']]);
        a!.ackProcessedTime(60_000);
        await store.close();
      }
      await using reader = await SqliteStorage.open({ path, readOnly: true });
      const { store, errors } = await memoryStore({ storage: reader });
      expect(await store.isInitialized()).toBe(true);
      const loaded = await store.loadRunState();
      expect(loaded.timestamp).toBe(60_000);
      expect(await store.isInitialized()).toBe(true);
      const empty = await memoryStore({ storage: reader, runId: 'never' });
      await expect(empty.store.loadRunState()).rejects.toMatchObject({
        code: 'E_NO_SAVEPOINT',
      });
      expect(await empty.store.isInitialized()).toBe(false);
      await store.close();
      await empty.store.close();
      expect(errors).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
