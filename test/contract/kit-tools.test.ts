/**
 * Contract probes of docs/testing.md and api.md "runstate/testing":
 * roundTrip, createTestClock, describeStorageAdapter's capability checks,
 * checkPinnedSavepoints / expectPinnedSavepoints.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunStateError } from 'runstate';
import {
  MemoryStorage,
  defaultCodec,
  defineMigrations,
  exportSavepoint,
  isRunStateError,
  type Migrations,
} from 'runstate';
import {
  checkPinnedSavepoints,
  createTestClock,
  describeStorageAdapter,
  expectPinnedSavepoints,
  roundTrip,
  type StorageCapabilities,
} from 'runstate/testing';

const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('roundTrip', () => {
  it('gives the state as a load would, a new value', () => {
    const state = {
      seen: new Set([1]),
      at: new Date(0),
      m: new Map([['a', 1n]]),
    };
    const back = roundTrip(state);
    expect(back).toEqual(state);
    expect(back).not.toBe(state);
  });

  it('a function is E_UNSTORABLE with details.path and details.reason', () => {
    const error = thrown(() => roundTrip({ items: [{ onChange() {} }] }));
    expect(isRunStateError(error, 'E_UNSTORABLE')).toBe(true);
    expect((error as RunStateError).details).toMatchObject({
      path: 'items[0].onChange',
      reason: expect.any(String) as string,
    });
  });

  it('options.entityId is named in the error', () => {
    const error = thrown(() => roundTrip({ f() {} }, { entityId: 'orders' }));
    expect((error as Error).message).toContain('orders');
  });

  it('a bad option is a TypeError', () => {
    expect(() => roundTrip(1, 5 as never)).toThrow(TypeError);
    expect(() => roundTrip(1, { codec: 5 as never })).toThrow(/codec/);
    expect(() => roundTrip(1, { entityId: 5 as never })).toThrow(
      /^options\.entityId must be a string, got 5$/,
    );
  });
});

describe('createTestClock', () => {
  it('starts at 0 by default, or at start', () => {
    expect(createTestClock().now()).toBe(0);
    expect(createTestClock(1_000).now()).toBe(1_000);
  });

  it('advance fires due timers in due order, each at its own time, and timers they set', async () => {
    const clock = createTestClock(100);
    const fired: [string, number][] = [];
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20);
    clock.setTimeout(() => {
      fired.push(['a', clock.now()]);
      clock.setTimeout(() => fired.push(['c', clock.now()]), 5);
    }, 10);
    const gone = clock.setTimeout(() => fired.push(['x', clock.now()]), 1);
    clock.clearTimeout(gone);
    clock.setTimeout(() => fired.push(['late', clock.now()]), 1_000);
    expect(clock.pending()).toBe(3);
    await clock.advance(30);
    expect(fired).toEqual([
      ['a', 110],
      ['c', 115],
      ['b', 120],
    ]);
    expect(clock.now()).toBe(130);
    expect(clock.pending()).toBe(1);
  });

  it('a start or ms that is not a non-negative safe integer is a TypeError/RangeError', async () => {
    expect(() => createTestClock(-1)).toThrow(RangeError);
    expect(() => createTestClock(1.5)).toThrow(RangeError);
    expect(() => createTestClock('1' as never)).toThrow(TypeError);
    await expect(createTestClock().advance(-1)).rejects.toThrow(RangeError);
    await expect(createTestClock().advance(NaN)).rejects.toThrow(RangeError);
  });
});

describe('describeStorageAdapter: capabilities are checked when the suite is registered', () => {
  const factory = async () => ({
    storage: await MemoryStorage.open(),
    cleanup: async () => {},
  });
  it('a misspelt capability is a TypeError naming it', () => {
    const capabilities = { reopn: true } as StorageCapabilities;
    expect(() =>
      describeStorageAdapter('x', factory, { capabilities }),
    ).toThrow(TypeError);
    expect(() =>
      describeStorageAdapter('x', factory, { capabilities }),
    ).toThrow(/reopn/);
  });

  it('a non-boolean flag is a TypeError naming it', () => {
    const capabilities = { replace: 'yes' } as unknown as StorageCapabilities;
    expect(() =>
      describeStorageAdapter('x', factory, { capabilities }),
    ).toThrow(/options\.capabilities\.replace must be a boolean, got "yes"/);
  });
});

describe('describeStorageAdapter: its arguments are checked, naming them', () => {
  it('name, factory, options and options.capabilities of the wrong type are TypeErrors', () => {
    const factory = async () => ({
      storage: await MemoryStorage.open(),
      cleanup: async () => {},
    });
    expect(() => describeStorageAdapter('', factory)).toThrow(/name/);
    expect(() => describeStorageAdapter('x', 5 as never)).toThrow(
      /factory must be a function, got 5/,
    );
    expect(() => describeStorageAdapter('x', factory, null as never)).toThrow(
      /options must be an object, got null/,
    );
    expect(() =>
      describeStorageAdapter('x', factory, { capabilities: 5 as never }),
    ).toThrow(/options\.capabilities must be an object, got 5/);
  });
});

describe('checkPinnedSavepoints / expectPinnedSavepoints', () => {
  const migrations = defineMigrations({ 1: (entities) => entities });
  const pinned = async () => {
    const storage = await MemoryStorage.open();
    await storage.writeSavepoint(
      'orders',
      { timestamp: 1, entries: [['a', defaultCodec.encode({ n: 1 })]] },
      { keep: 2 },
    );
    return storage;
  };

  it('loads every live savepoint through the chain, never writing', async () => {
    const storage = await pinned();
    const report = await checkPinnedSavepoints(storage, { migrations });
    expect(report.failed).toBe(0);
    expect(report.results).toMatchObject([
      { runId: 'orders', timestamp: 1, from: 0, to: 1, entities: 1 },
    ]);
    expect(report.text).toContain('✓');
    expect((await storage.readSavepoint('orders'))?.meta?.version ?? 0).toBe(0);
  });

  it('expectPinnedSavepoints throws listing ✗ with the step when validate fails', async () => {
    const storage = await pinned();
    await expect(
      expectPinnedSavepoints(storage, {
        migrations,
        validate: () => {
          throw new Error('bad shape');
        },
      }),
    ).rejects.toThrow(/✗.*bad shape/);
  });

  it('expectPinnedSavepoints throws when none is found', async () => {
    await expect(
      expectPinnedSavepoints(await MemoryStorage.open(), { migrations }),
    ).rejects.toThrow(/no pinned savepoints/);
  });

  it('options.migrations that is not a chain is a TypeError naming it (a wrong chain must not pass)', async () => {
    const storage = await pinned();
    const bad = { 1: (e: unknown) => e } as unknown as Migrations<unknown>;
    await expect(
      checkPinnedSavepoints(storage, { migrations: bad }),
    ).rejects.toThrow(TypeError);
    await expect(
      expectPinnedSavepoints(storage, { migrations: bad }),
    ).rejects.toThrow(/options\.migrations/);
  });

  it('missing options, a bad codec, validate or source are TypeErrors naming them', async () => {
    const storage = await pinned();
    await expect(
      checkPinnedSavepoints(storage, undefined as never),
    ).rejects.toThrow(/^options must be an object/);
    await expect(
      checkPinnedSavepoints(storage, { migrations, codec: 5 as never }),
    ).rejects.toThrow(/options\.codec/);
    await expect(
      checkPinnedSavepoints(storage, { migrations, validate: 5 as never }),
    ).rejects.toThrow(/options\.validate/);
    await expect(
      checkPinnedSavepoints(5 as never, { migrations }),
    ).rejects.toThrow(/source/);
  });

  it('a directory of export files: each imported on its own, in name order; one that does not import is a failure naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-pinned-'));
    const storage = await pinned();
    let text = '';
    for await (const line of exportSavepoint(storage, 'orders')) text += line;
    writeFileSync(join(dir, 'b-orders.ndjson'), text);
    writeFileSync(join(dir, 'a-broken.ndjson'), '{"format":"nope"}\n');
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const report = await checkPinnedSavepoints(dir, { migrations });
    expect(report.results.map((r) => r.file)).toEqual([
      'a-broken.ndjson',
      'b-orders.ndjson',
    ]);
    expect(report.results[0]!.error).toBeInstanceOf(Error);
    expect(report.results[1]).toMatchObject({
      runId: 'orders',
      from: 0,
      to: 1,
    });
    expect(report.failed).toBe(1);
    const one = await checkPinnedSavepoints(join(dir, 'b-orders.ndjson'), {
      migrations,
    });
    expect(one.failed).toBe(0);
    expect(one.results).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
  });
});
