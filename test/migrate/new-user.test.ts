/**
 * A new user's probes of docs/migrations.md and the Migrations section of
 * docs/api.md, through public imports only: bad chains, the load errors
 * and their details, rewind edge cases, startRun, checkMigrations.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  checkMigrations,
  createStateStore,
  defaultCodec,
  defineMigrations,
  mapStates,
  migrateRun,
  migrateRuns,
  startRun,
  type Migrations,
  type StorageAdapter,
} from 'runstate';

const s = (v: unknown) => v as never;

/** One savepoint per timestamp, written at `version`, states `{ n }`. */
async function write(
  storage: StorageAdapter,
  runId: string,
  version: number,
  stamps: number[],
  states: Record<string, unknown> = { a: { n: 1 }, b: { n: 2 } },
) {
  for (const timestamp of stamps) {
    const entries = Object.entries(states).map(
      ([id, st]) => [id, defaultCodec.encode(st)] as const,
    );
    await storage.writeSavepoint(
      runId,
      { timestamp, entries, meta: { version } },
      { keep: 10 },
    );
  }
}

const chain = (
  steps: Record<number, (x: [string, unknown][]) => unknown>,
): Migrations<unknown> => defineMigrations(s(steps));

describe('defineMigrations: bad chains fail when defined', () => {
  it.each([
    ['a gap', { 1: (x: unknown) => x, 3: (x: unknown) => x }, RangeError],
    ['key 0', { 0: (x: unknown) => x, 1: (x: unknown) => x }, RangeError],
    ['a fractional key', { 1.5: (x: unknown) => x }, TypeError],
    ['a negative key', { '-1': (x: unknown) => x }, TypeError],
    ['a non-function step', { 1: 'nope' }, TypeError],
    ['no steps', {}, RangeError],
  ])('%s', (_, steps, type) => {
    expect(() => defineMigrations(s(steps))).toThrow(type);
  });

  it('refuses a non-object', () => {
    expect(() => defineMigrations(s(null))).toThrow(TypeError);
    expect(() => defineMigrations(s(undefined))).toThrow(TypeError);
  });

  it('gives version and oldest of a chain starting late', () => {
    const m = chain({ 4: (x) => x, 5: (x) => x });
    expect([m.version, m.oldest]).toEqual([5, 3]);
  });

  it('mapStates refuses a non-function', () => {
    expect(() => mapStates(s(42))).toThrow(TypeError);
  });
});

describe('loading through the chain: errors as documented', () => {
  const open = async (migrations: Migrations<unknown>, version = 0) => {
    const storage = await MemoryStorage.open();
    await write(storage, 'r', version, [60, 120]);
    const store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      migrations,
    });
    return { storage, store };
  };

  it('E_VERSION_NEWER with found and current', async () => {
    const { store } = await open(chain({ 1: (x) => x }), 5);
    await expect(store.loadRunState()).rejects.toMatchObject({
      code: 'E_VERSION_NEWER',
      details: { found: 5, current: 1 },
    });
    // The store stays usable after a failed load.
    expect(store.status().phase).toBe('uninitialized');
  });

  it('E_MIGRATION_FAILED names step, entity and cause (mapStates)', async () => {
    const boom = new Error('no unit for b');
    const m = chain({
      1: s(
        mapStates((st: { n: number }, id) => {
          if (id === 'b') throw boom;
          return st;
        }),
      ),
    });
    const { store } = await open(m);
    const error = await store.loadRunState().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'E_MIGRATION_FAILED',
      details: { step: 1, entityId: 'b', found: 0 },
      cause: boom,
    });
    const message = (error as Error).message;
    expect(message).toContain('step 0→1');
    expect(message).toContain('"b"');
    expect(message).toContain('no unit for b');
  });

  it.each([
    ['a non-array', () => 42],
    ['a string', () => 'ab'],
    [
      'duplicate ids',
      () => [
        ['x', 1],
        ['x', 2],
      ],
    ],
    ['an empty id', () => [['', 1]]],
    ['a non-pair', () => [['x']]],
    ['undefined', () => undefined],
  ])('E_MIGRATION_FAILED for a step returning %s', async (_, step) => {
    const { store } = await open(chain({ 1: step }));
    await expect(store.loadRunState()).rejects.toMatchObject({
      code: 'E_MIGRATION_FAILED',
      details: { step: 1 },
    });
  });

  it('E_MIGRATION_FAILED for a savepoint older than the chain', async () => {
    const { store } = await open(chain({ 4: (x) => x }), 1);
    await expect(store.loadRunState()).rejects.toMatchObject({
      code: 'E_MIGRATION_FAILED',
    });
  });

  it('runs exactly the steps from the savepoint version, in order', async () => {
    const ran: number[] = [];
    const step = (n: number) => (x: [string, unknown][]) => (ran.push(n), x);
    const { store } = await open(
      chain({ 3: step(3), 1: step(1), 2: step(2), 4: step(4) }),
      1,
    );
    await store.loadRunState();
    expect(ran).toEqual([2, 3, 4]);
  });

  it('passes the context { runId, timestamp, from, to } to a step', async () => {
    const seen: unknown[] = [];
    const m = defineMigrations<{ 0: unknown; 1: unknown }>({
      1: (x, context) => (seen.push(context), x),
    });
    const { store } = await open(m);
    await store.loadRunState();
    expect(seen).toEqual([{ runId: 'r', timestamp: 120, from: 0, to: 1 }]);
  });
});

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
