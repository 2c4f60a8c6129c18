/**
 * decorateStorage(): a decorated storage behaves as the storage it wraps
 * (the conformance suite, plain and with an `around` hook on every call),
 * and hooks see exactly the calls and arguments they wrap.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  MemoryStorage,
  decorateStorage,
  type StorageAdapter,
  type StorageCall,
  type StorageMethodName,
} from '../../src/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { describeStorageAdapter } from '../../src/testing/index.js';
import { savepoint } from '../../src/testing/fixture.js';

describeStorageAdapter('decorateStorage(MemoryStorage, {})', async () => {
  const storage = decorateStorage(await MemoryStorage.open(), {});
  return { storage, cleanup: () => storage.close() };
});

describeStorageAdapter(
  'decorateStorage(SqliteStorage file, { around })',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-decorate-'));
    const path = join(dir, 'state.db');
    const calls: StorageCall[] = [];
    const decorate = (inner: StorageAdapter) =>
      decorateStorage(inner, {
        around: (call, next) => {
          calls.push(call);
          return next();
        },
      });
    const handles = [decorate(await SqliteStorage.open({ path }))];
    return {
      storage: handles[0]!,
      reopen: async ({ readOnly }) => {
        handles.push(decorate(await SqliteStorage.open({ path, readOnly })));
        return handles.at(-1)!;
      },
      cleanup: async () => {
        await Promise.all(handles.map((h) => h.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { capabilities: { reopen: true, readOnly: true } },
);

/** Every method called once, with the arguments it was given. */
async function callEverything(storage: StorageAdapter) {
  return [
    await storage.initRun('r'),
    await storage.isInitialized('r'),
    await storage.writeSavepoint('r', savepoint(1), { keep: 3 }),
    await storage.writeSavepoint('r', savepoint(2), { keep: 3 }),
    // writtenAt is the clock at each write: equal only to the millisecond
    // when the two storages are written within one.
    { ...(await storage.readSavepoint('r', 1)), meta: undefined },
    await storage.newestTimestamp('r'),
    await storage.listSavepoints('r'),
    await storage.quarantineSavepoint('r', 2),
    await storage.prune('r', 1),
    await storage.listRuns(),
    await storage.deleteRun('r'),
    await storage.close(),
  ];
}

const EVERY_METHOD: StorageMethodName[] = [
  'initRun',
  'isInitialized',
  'writeSavepoint',
  'writeSavepoint',
  'readSavepoint',
  'newestTimestamp',
  'listSavepoints',
  'quarantineSavepoint',
  'prune',
  'listRuns',
  'deleteRun',
  'close',
];

describe('decorateStorage()', () => {
  it('forwards every method with its arguments and result, through around', async () => {
    const plain = await callEverything(await MemoryStorage.open());
    const inner = await MemoryStorage.open();
    const calls: StorageCall[] = [];
    const decorated = decorateStorage(inner, {
      around: async (call, next) => {
        calls.push(call);
        return next();
      },
    });
    expect(await callEverything(decorated)).toEqual(plain);
    expect(calls.map((c) => c.method)).toEqual(EVERY_METHOD);
    expect(calls[2]).toEqual({
      method: 'writeSavepoint',
      args: ['r', savepoint(1), { keep: 3 }],
    });
    expect(inner.closed).toBe(true);
    await expect(decorated.listRuns()).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
  });

  it('calls a method hook with next bound to the inner storage', async () => {
    const inner = await MemoryStorage.open();
    const seen: unknown[] = [];
    const decorated = decorateStorage(inner, {
      writeSavepoint: async (next, runId, sp, options) => {
        seen.push([runId, sp.timestamp, options.keep]);
        await next(runId, sp, { keep: 1 }); // hooks may change arguments
      },
      listSavepoints: async (next, runId) => [...(await next(runId)), 99],
    });
    await decorated.writeSavepoint('r', savepoint(1), { keep: 5 });
    await decorated.writeSavepoint('r', savepoint(2), { keep: 5 });
    expect(seen).toEqual([
      ['r', 1, 5],
      ['r', 2, 5],
    ]);
    expect(await inner.listSavepoints('r')).toEqual([2]);
    expect(await decorated.listSavepoints('r')).toEqual([2, 99]);
    expect(await decorated.newestTimestamp('r')).toBe(2);
  });

  it('calls the inner method as it is at call time', async () => {
    const inner = await MemoryStorage.open();
    const decorated = decorateStorage(inner, {});
    const spy = vi.spyOn(inner, 'listRuns');
    await decorated.listRuns();
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('runs around outside the method hook', async () => {
    const order: string[] = [];
    const decorated = decorateStorage(await MemoryStorage.open(), {
      listRuns: async (next) => {
        order.push('hook');
        return next();
      },
      around: async (call, next) => {
        order.push(`around ${call.method} in`);
        const result = await next();
        order.push(`around ${call.method} out`);
        return result;
      },
    });
    await decorated.listRuns();
    expect(order).toEqual([
      'around listRuns in',
      'hook',
      'around listRuns out',
    ]);
  });

  it('turns a hook that throws synchronously into a rejection', async () => {
    const decorated = decorateStorage(await MemoryStorage.open(), {
      readSavepoint: () => {
        throw new Error('injected fault');
      },
    });
    let promise: Promise<unknown> | undefined;
    expect(() => (promise = decorated.readSavepoint('r'))).not.toThrow();
    await expect(promise).rejects.toThrow('injected fault');
  });

  it('reads readOnly from the inner storage', async () => {
    const readOnly = await MemoryStorage.open({ readOnly: true });
    expect(decorateStorage(readOnly, {}).readOnly).toBe(true);
    const writable = await MemoryStorage.open();
    expect(decorateStorage(writable, {}).readOnly).toBe(false);
  });

  it('disposes through the close hook, with await using', async () => {
    const inner = await MemoryStorage.open();
    const closes: string[] = [];
    {
      await using decorated = decorateStorage(inner, {
        close: async (next) => {
          closes.push('close');
          await next();
        },
      });
      await decorated.initRun('r');
    }
    expect(closes).toEqual(['close']);
    expect(inner.closed).toBe(true);
  });

  it('gives each decorated storage its own methods, not the inner ones', async () => {
    const inner = await MemoryStorage.open();
    const decorated = decorateStorage(inner, {});
    expect(decorated).not.toBe(inner);
    // MemoryStorage has every optional method of the contract too.
    const optional = [
      // the lease capability
      'leases',
      'acquireLease',
      'renewLease',
      'releaseLease',
      'listLeases',
      'listSavepointInfo',
      'replaceSavepoint',
      'listQuarantined',
      'restoreSavepoint',
    ];
    expect(Object.keys(decorated).sort()).toEqual(
      [...new Set(EVERY_METHOD), ...optional, 'readOnly'].sort(),
    );
    expect(decorated.leases).toBe(true);
    const lease = await decorated.acquireLease?.('r', {
      owner: 'a',
      ttlMs: 1_000,
    });
    expect((await inner.listLeases?.())?.map((l) => l.token)).toEqual([
      lease?.token,
    ]);
  });

  it('refuses a storage without the contract, naming what is missing', () => {
    expect(() => decorateStorage({} as never, {})).toThrow(
      /inner must be a StorageAdapter \(missing isInitialized, .*close\)/,
    );
    expect(() => decorateStorage(null as never, {})).toThrow(TypeError);
  });

  it('refuses bad hooks, naming them', async () => {
    const inner = await MemoryStorage.open();
    expect(() => decorateStorage(inner, null as never)).toThrow(
      /hooks must be an object/,
    );
    expect(() =>
      decorateStorage(inner, { writeSavePoint: () => undefined } as never),
    ).toThrow(/hooks\.writeSavePoint is not a StorageAdapter method/);
    expect(() => decorateStorage(inner, { prune: 5 } as never)).toThrow(
      /hooks\.prune must be a function, got 5/,
    );
  });
});
