/**
 * A new user's probes of rewind (`at` on loadRunState, resumeOrStart,
 * startRun) and the offline tools, through public imports only.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  checkMigrations,
  resumeOrStart,
  createStateStore,
  defineMigrations,
  mapStates,
  migrateRun,
  migrateRuns,
  startRun,
} from 'runstate';

import { chain, s, write } from './new-user-fixture.js';

describe('rewind edge cases', () => {
  it('moves nothing when the rewound savepoint cannot be migrated', async () => {
    const storage = await MemoryStorage.open();
    await write(storage, 'r', 0, [60]);
    await write(storage, 'r', 2, [120, 180]);
    const store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      migrations: chain({ 1: () => 'bad', 2: (x) => x }),
    });
    await expect(store.loadRunState({ at: 60 })).rejects.toMatchObject({
      code: 'E_MIGRATION_FAILED',
    });
    expect(await storage.listSavepoints('r')).toEqual([60, 120, 180]);
  });

  it('refuses an `at` that is not live with details.live', async () => {
    const storage = await MemoryStorage.open();
    await write(storage, 'r', 0, [60, 120]);
    const store = createStateStore({ runId: 'r', schedule: 60, storage });
    await expect(store.loadRunState({ at: 90 })).rejects.toMatchObject({
      code: 'E_NO_SAVEPOINT',
      details: { runId: 'r', at: 90, live: [60, 120] },
    });
  });

  it('resumeOrStart with `at` starts fresh when the run has no savepoint', async () => {
    const storage = await MemoryStorage.open();
    await storage.initRun('r'); // crashed before its first savepoint
    const store = createStateStore({ runId: 'r', schedule: 60, storage });
    const started = await resumeOrStart(store, {
      startFrom: 0,
      entities: [['a', 1]],
      at: 60,
    });
    expect(started).toMatchObject({ resumed: false, timestamp: 0 });
    expect(started.rewound).toEqual([]);
    await store.close();
  });

  it('resumeOrStart reports what a rewind quarantined', async () => {
    const storage = await MemoryStorage.open();
    await write(storage, 'r', 0, [60, 120, 180]);
    const store = createStateStore({ runId: 'r', schedule: 60, storage });
    const started = await resumeOrStart(store, {
      startFrom: 0,
      entities: [],
      at: 60,
    });
    expect(started).toMatchObject({ resumed: true, timestamp: 60 });
    expect(started.rewound).toEqual([180, 120]);
    await store.close(); // frees the run's lease for the next store
    await expect(
      resumeOrStart(createStateStore({ runId: 'r', schedule: 60, storage }), {
        startFrom: 0,
        entities: [],
        at: 90,
      }),
    ).rejects.toMatchObject({ code: 'E_NO_SAVEPOINT' });
  });

  it('startRun rewinds with `at` and migrates with `migrations`', async () => {
    const storage = await MemoryStorage.open();
    await write(storage, 'r', 0, [60_000, 120_000], { c: { n: 5 } });
    const started: number[] = [];
    const run = startRun<{ timestamp: number }>({
      runId: 'r',
      storage,
      schedule: 60_000,
      startFrom: 0,
      at: 60_000,
      migrations: defineMigrations<{ 0: { n: number }; 1: { n: number } }>({
        1: mapStates((st) => ({ n: st.n * 10 })),
      }),
      entities: {
        c: { initial: { n: 0 }, reduce: (st: { n: number }) => st },
      },
      input: (from) => (started.push(from), [{ timestamp: 130_000 }]),
    });
    const result = await run.done;
    expect(started).toEqual([60_000]);
    expect(result.states.get('c')).toEqual({ n: 50 });
    const info = await storage.listSavepointInfo('r');
    expect(info.map((i) => [i.timestamp, i.version])).toEqual([
      [60_000, 0],
      [120_000, 1],
    ]);
  });
});

describe('startRun and versions', () => {
  it.each([
    ['a newer savepoint', 5, undefined, 'E_VERSION_NEWER'],
    ['a failing step', 0, undefined, 'E_MIGRATION_FAILED'],
    ['a rewind to no savepoint', 1, 90, 'E_NO_SAVEPOINT'],
  ])('ends at once, without restarts, on %s', async (_, v, at, code) => {
    const storage = await MemoryStorage.open();
    await write(storage, 'r', v, [60]);
    const restarts: unknown[] = [];
    const run = startRun<{ timestamp: number }>({
      runId: 'r',
      storage,
      schedule: 60,
      startFrom: 0,
      migrations: chain({ 1: () => 'not pairs' }),
      ...(at === undefined ? {} : { at }),
      entities: { a: { initial: 0, reduce: (st: number) => st } },
      input: () => [],
      onRestart: (info) => restarts.push(info),
    });
    await expect(run.done).rejects.toMatchObject({ code });
    expect(restarts).toEqual([]);
  });
});

describe('offline tools', () => {
  it('checkMigrations reports per run without writing; failures carry errors', async () => {
    const storage = await MemoryStorage.open();
    await write(storage, 'old', 0, [60]);
    await write(storage, 'cur', 1, [60]);
    await write(storage, 'new', 9, [60]);
    await storage.initRun('empty');
    const progress: unknown[] = [];
    const report = await checkMigrations(storage, chain({ 1: (x) => x }), {
      onProgress: (p) => progress.push(p),
    });
    expect(report.total).toBe(4);
    expect(report.counts).toEqual({
      migrated: 1,
      current: 1,
      empty: 1,
      raced: 0,
      failed: 1,
    });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({
      runId: 'new',
      status: 'failed',
      error: { code: 'E_VERSION_NEWER', details: { found: 9, current: 1 } },
    });
    expect(progress).toContainEqual({
      done: 4,
      total: 4,
      runId: 'old',
      result: expect.objectContaining({
        status: 'migrated',
        from: 0,
        to: 1,
      }) as unknown,
    });
    expect((await storage.readSavepoint('old'))?.meta?.version).toBe(0);
  });

  it('migrateRun refuses a bad runId or chain with an argument error', async () => {
    const storage = await MemoryStorage.open();
    await expect(
      migrateRun(storage, s(''), chain({ 1: (x) => x })),
    ).rejects.toThrow(RangeError);
    await expect(migrateRun(storage, 'r', s({ 1: () => [] }))).rejects.toThrow(
      TypeError,
    );
    await expect(checkMigrations(storage, s(undefined))).rejects.toThrow(
      TypeError,
    );
    await expect(migrateRuns(storage, s({}))).rejects.toThrow(TypeError);
  });
});
