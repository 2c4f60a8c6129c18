/**
 * A new user's probes of docs/migrations.md and the Migrations section of
 * docs/api.md, through public imports only: bad chains, the load errors
 * and their details.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  defineMigrations,
  mapStates,
  type Migrations,
} from 'runstate';

import { chain, s, write } from './new-user-fixture.js';

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

describe('version and metadata options', () => {
  const base = async () => ({
    runId: 'r',
    schedule: 60,
    storage: await MemoryStorage.open(),
  });

  it.each([
    ['version -1', { version: -1 }, RangeError],
    ['version 1.5', { version: 1.5 }, RangeError],
    ["version '1'", { version: '1' }, TypeError],
    ['metadata a Date', { metadata: new Date(0) }, TypeError],
    ['metadata NaN', { metadata: { n: NaN } }, RangeError],
    ['metadata over 60 KiB', { metadata: 'x'.repeat(62_000) }, RangeError],
    [
      'version against the chain',
      { version: 2, migrations: chain({ 1: (x) => x }) },
      RangeError,
    ],
    ['a raw steps object', { migrations: { 1: (x: unknown) => x } }, TypeError],
  ])('createStateStore refuses %s', async (_, extra, type) => {
    const options = { ...(await base()), ...extra };
    expect(() => createStateStore(s(options))).toThrow(type);
  });

  it('loadRunState refuses a bad `at` with an argument error', async () => {
    const store = createStateStore(await base());
    await expect(store.loadRunState({ at: s('60') })).rejects.toThrow(
      TypeError,
    );
    await expect(store.loadRunState({ at: -1 })).rejects.toThrow(RangeError);
  });
});
