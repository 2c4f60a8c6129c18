import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  defineMigrations,
  mapStates,
  resumeOrStart,
  type Migrations,
} from '../../src/index.js';
import { applyMigrations } from '../../src/migrate/index.js';

type Shapes = {
  0: { count: number };
  1: { count: number; unit: string };
  2: { total: { value: number; unit: string } };
};

const chain = defineMigrations<Shapes>({
  1: mapStates((s) => ({ ...s, unit: 'pcs' })),
  2: mapStates((s) => ({ total: { value: s.count, unit: s.unit } })),
});

const source = (version: number) => ({ runId: 'r', timestamp: 60, version });

describe('defineMigrations()', () => {
  it('records the current and the oldest version', () => {
    expect(chain.version).toBe(2);
    expect(chain.oldest).toBe(0);
    const late = defineMigrations({ 4: (s) => s, 5: (s) => s });
    expect([late.oldest, late.version]).toEqual([3, 5]);
  });

  it.each([
    [
      'a gap',
      { 1: (s: unknown) => s, 3: (s: unknown) => s },
      RangeError,
      /step 2 is missing/,
    ],
    ['key 0', { 0: (s: unknown) => s }, RangeError, /start at 1/],
    ['a fractional key', { 1.5: (s: unknown) => s }, TypeError, /integer/],
    ['a negative key', { '-1': (s: unknown) => s }, TypeError, /integer/],
    ['no steps', {}, RangeError, /at least one/],
    [
      'a step that is not a function',
      { 1: 'x' },
      TypeError,
      /steps.1 must be a function/,
    ],
  ])('refuses %s when defined', (_, steps, type, message) => {
    expect(() => defineMigrations(steps as never)).toThrow(type);
    expect(() => defineMigrations(steps as never)).toThrow(message);
  });
});

describe('applyMigrations()', () => {
  it('applies exactly the steps from the savepoint version, in order', async () => {
    const calls: string[] = [];
    const m = defineMigrations({
      1: (s, c) => (calls.push(`${c.from}→${c.to}`), s),
      2: (s, c) => (calls.push(`${c.from}→${c.to}`), s),
      3: (s, c) => (calls.push(`${c.from}→${c.to}`), s),
    });
    await applyMigrations(m, [['a', 1]], source(1));
    expect(calls).toEqual(['1→2', '2→3']);
    calls.length = 0;
    await applyMigrations(m, [['a', 1]], source(3));
    expect(calls).toEqual([]);
  });

  it('migrates states through the per-entity helper', async () => {
    const out = await applyMigrations(
      chain,
      [
        ['x', { count: 3 }],
        ['y', { count: 4 }],
      ],
      source(0),
    );
    expect(out).toEqual([
      ['x', { total: { value: 3, unit: 'pcs' } }],
      ['y', { total: { value: 4, unit: 'pcs' } }],
    ]);
  });

  it('lets a step rename, split and drop entities', async () => {
    const m = defineMigrations({
      1: (states) =>
        states.flatMap(([id, s]) =>
          id === 'old' ? [['a', s] as const, ['b', s] as const] : [],
        ),
    });
    expect(
      await applyMigrations(
        m,
        [
          ['old', 1],
          ['gone', 2],
        ],
        source(0),
      ),
    ).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
  });

  it('refuses a savepoint newer than the chain with E_VERSION_NEWER and both versions', async () => {
    await expect(applyMigrations(chain, [], source(3))).rejects.toMatchObject({
      code: 'E_VERSION_NEWER',
      details: { runId: 'r', timestamp: 60, found: 3, current: 2 },
    });
  });

  it('names the step, the entity and the cause when a per-entity step throws', async () => {
    const boom = new Error('boom');
    const m = defineMigrations({
      1: mapStates((s: unknown, id) => {
        if (id === 'bad') throw boom;
        return s;
      }),
    });
    const error = await applyMigrations(
      m,
      [
        ['ok', 1],
        ['bad', 2],
      ],
      source(0),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'E_MIGRATION_FAILED',
      cause: boom,
      details: { step: 1, entityId: 'bad', found: 0 },
    });
    expect((error as Error).message).toMatch(
      /step 0→1 .* at entity "bad" threw: boom/,
    );
  });

  it.each([
    ['a non-array', () => 42, /list of \[id, state\] pairs/],
    ['a string', () => 'ab', /list of \[id, state\] pairs/],
    [
      'duplicate ids',
      () => [
        ['a', 1],
        ['a', 2],
      ],
      /"a" twice/,
    ],
    ['a bad pair', () => [['a']], /pair belongs/],
    ['an empty id', () => [['', 1]], /bad entity id/],
  ])(
    'fails with E_MIGRATION_FAILED when a step returns %s',
    async (_, step, message) => {
      const m = defineMigrations({ 1: step as never });
      const error = await applyMigrations(m, [['a', 1]], source(0)).catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({
        code: 'E_MIGRATION_FAILED',
        details: { step: 1 },
      });
      expect((error as Error).message).toMatch(message);
    },
  );

  it('fails with E_MIGRATION_FAILED for a savepoint older than the chain', async () => {
    const m = defineMigrations({ 4: (s) => s });
    await expect(applyMigrations(m, [], source(1))).rejects.toMatchObject({
      code: 'E_MIGRATION_FAILED',
      details: { found: 1 },
    });
  });
});

describe('a StateStore with migrations', () => {
  async function writeAt(
    storage: MemoryStorage,
    version: number,
    states: [string, unknown][],
    migrations?: Migrations<unknown>,
  ) {
    await using store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      ...(migrations === undefined ? { version } : { migrations }),
    });
    const entities = await store.initRunState(0, states);
    for (const e of entities) e.ackProcessedTime(61);
    await store.flush();
  }

  it('migrates an old savepoint on load and persists the next one at the current version', async () => {
    const storage = await MemoryStorage.open();
    await writeAt(storage, 0, [['x', { count: 5 }]]);
    const persisted: number[] = [];
    await using store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      migrations: chain,
      onPersisted: (info) => persisted.push(info.version),
    });
    const { entities, meta } = await store.loadRunState();
    expect(meta.version).toBe(0);
    expect(entities[0]?.state).toEqual({ total: { value: 5, unit: 'pcs' } });
    entities[0]!.ackProcessedTime(121);
    await store.flush();
    expect(persisted).toEqual([2]);
    const info = await storage.listSavepointInfo('r');
    expect(info.map((i) => [i.timestamp, i.version])).toEqual([
      [60, 0],
      [120, 2],
    ]);
  });

  it('refuses a savepoint of a newer version with E_VERSION_NEWER, loading nothing', async () => {
    const storage = await MemoryStorage.open();
    await writeAt(storage, 5, [['x', 1]]);
    await using store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      migrations: chain,
    });
    await expect(store.loadRunState()).rejects.toMatchObject({
      code: 'E_VERSION_NEWER',
      details: { found: 5, current: 2 },
    });
    // The same without a chain: a downgrade is never loaded silently.
    await using plain = createStateStore({ runId: 'r', schedule: 60, storage });
    await expect(plain.loadRunState()).rejects.toMatchObject({
      code: 'E_VERSION_NEWER',
    });
  });

  it('refuses an older savepoint when the store has a version but no chain', async () => {
    const storage = await MemoryStorage.open();
    await writeAt(storage, 0, [['x', 1]]);
    await using store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      version: 1,
    });
    await expect(store.loadRunState()).rejects.toMatchObject({
      code: 'E_MIGRATION_FAILED',
      details: { found: 0, current: 1 },
    });
  });

  it('refuses a version that disagrees with the chain', () => {
    const storage = new MemoryStorage();
    expect(() =>
      createStateStore({
        runId: 'r',
        schedule: 60,
        storage,
        migrations: chain,
        version: 1,
      }),
    ).toThrow(RangeError);
    expect(() =>
      createStateStore({ runId: 'r', schedule: 60, storage, version: -1 }),
    ).toThrow(RangeError);
  });

  it('records user metadata in every savepoint', async () => {
    const storage = await MemoryStorage.open();
    await using store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      metadata: { build: 'b-7', sha: 'abc' },
    });
    const [e] = await store.initRunState(0, [['x', 1]]);
    e!.ackProcessedTime(61);
    await store.flush();
    expect((await storage.readSavepoint('r'))?.meta).toMatchObject({
      version: 0,
      metadata: { build: 'b-7', sha: 'abc' },
    });
  });

  it('works through resumeOrStart', async () => {
    const storage = await MemoryStorage.open();
    await writeAt(storage, 1, [['x', { count: 2, unit: 'kg' }]]);
    await using store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      migrations: chain,
    });
    const start = await resumeOrStart(store, { startFrom: 0, entities: [] });
    expect(start.entities[0]?.state).toEqual({
      total: { value: 2, unit: 'kg' },
    });
  });
});

describe('StateStore status', () => {
  it('reports the version the store writes', () => {
    const storage = new MemoryStorage();
    const store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      migrations: chain,
    });
    expect(store.status().version).toBe(2);
    const plain = createStateStore({ runId: 'p', schedule: 60, storage });
    expect(plain.status().version).toBe(0);
    void store.close();
    void plain.close();
  });
});
