/**
 * Contract probes of docs/testing.md "A storage that fails on cue" and
 * api.md "faultyStorage(inner, policy?)", "FaultPolicy", "FaultyStorage".
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  RunStateError,
  defaultCodec,
  isRunStateError,
  type StoredSavepoint,
} from 'runstate';
import { faultyStorage, type FaultPolicy } from 'runstate/testing';

const savepoint = (timestamp: number): StoredSavepoint => ({
  timestamp,
  entries: [['a', defaultCodec.encode({ at: timestamp })]],
});

const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('faultyStorage: policies', () => {
  it('an injected failure is E_STORAGE with an Error cause and details.injected: true; the inner storage never sees it', async () => {
    const inner = await MemoryStorage.open();
    const storage = faultyStorage(inner, {
      failNext: { count: 1, operations: 'writeSavepoint' },
    });
    const error = await rejection(
      storage.writeSavepoint('r', savepoint(1), { keep: 2 }),
    );
    expect(isRunStateError(error, 'E_STORAGE')).toBe(true);
    expect((error as RunStateError).cause).toBeInstanceOf(Error);
    expect((error as RunStateError).details).toMatchObject({ injected: true });
    expect(await inner.listRuns()).toEqual([]);
    await storage.writeSavepoint('r', savepoint(1), { keep: 2 }); // then pass
    expect(storage.callsOf('writeSavepoint').map((c) => c.action)).toEqual([
      'fail',
      'pass',
    ]);
  });

  it('failNext without operations fails every operation', async () => {
    const storage = faultyStorage(await MemoryStorage.open(), {
      failNext: { count: 2 },
    });
    expect(isRunStateError(await rejection(storage.listRuns()))).toBe(true);
    expect(
      isRunStateError(await rejection(storage.isInitialized('r')), 'E_STORAGE'),
    ).toBe(true);
    expect(await storage.listRuns()).toEqual([]);
  });

  it('commitThenFail: the write lands, the caller gets E_STORAGE; by default only writing operations', async () => {
    const inner = await MemoryStorage.open();
    const storage = faultyStorage(inner, { commitThenFail: { count: 1 } });
    expect(await storage.listRuns()).toEqual([]); // a read passes
    const error = await rejection(
      storage.writeSavepoint('r', savepoint(5), { keep: 2 }),
    );
    expect(isRunStateError(error, 'E_STORAGE')).toBe(true);
    expect(await inner.newestTimestamp('r')).toBe(5);
    expect(storage.callsOf('writeSavepoint')[0]).toMatchObject({
      action: 'commit-then-fail',
      outcome: 'rejected',
    });
  });

  it('failRate: the same seed fails the same calls', async () => {
    const pattern = async () => {
      const storage = faultyStorage(await MemoryStorage.open(), {
        failRate: { rate: 0.5, seed: 42 },
      });
      for (let i = 0; i < 40; i++) await rejection(storage.listRuns());
      return storage.calls.map((c) => c.action).join(',');
    };
    const first = await pattern();
    expect(first).toContain('fail');
    expect(first).toContain('pass');
    expect(await pattern()).toBe(first);
  });

  it('corruptReads: a read returns bytes the codec refuses (E_CORRUPTED); count limits it', async () => {
    const inner = await MemoryStorage.open();
    await inner.writeSavepoint('r', savepoint(1), { keep: 2 });
    const storage = faultyStorage(inner, { corruptReads: { count: 1 } });
    const bad = await storage.readSavepoint('r');
    let error: unknown;
    try {
      defaultCodec.decode(bad!.entries[0]![1]);
    } catch (e) {
      error = e;
    }
    expect(isRunStateError(error, 'E_CORRUPTED')).toBe(true);
    const good = await storage.readSavepoint('r');
    expect(defaultCodec.decode(good!.entries[0]![1])).toEqual({ at: 1 });
  });

  it('delay: the call waits ms first, recorded as delayMs', async () => {
    const storage = faultyStorage(await MemoryStorage.open(), {
      delay: { ms: 30, operations: ['listRuns'] },
    });
    const start = performance.now();
    await storage.listRuns();
    expect(performance.now() - start).toBeGreaterThanOrEqual(25);
    await storage.isInitialized('r');
    expect(storage.calls.map((c) => c.delayMs)).toEqual([30, 0]);
  });

  it('decide sees every call first and can settle it; undefined defers to the rest', async () => {
    const storage = faultyStorage(await MemoryStorage.open(), {
      failNext: { count: 5 },
      decide: (call) => (call.operation === 'listRuns' ? 'pass' : undefined),
    });
    expect(await storage.listRuns()).toEqual([]);
    expect(await rejection(storage.isInitialized('r'))).toBeInstanceOf(
      RunStateError,
    );
  });

  it('a decide answer that is none of the actions is a TypeError showing the answer; the call rejects with it', async () => {
    const storage = faultyStorage(await MemoryStorage.open(), {
      decide: () => 'explode' as unknown as 'pass',
    });
    const error = await rejection(storage.listRuns());
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain('"explode"');
    expect(storage.calls[0]).toMatchObject({ outcome: 'rejected', error });
  });

  it('a policy error given as a function of the call is thrown', async () => {
    const storage = faultyStorage(await MemoryStorage.open());
    storage.failNext(1, 'listRuns', (call: { seq: number }) => {
      return new Error(`mine ${call.seq}`);
    });
    await expect(storage.listRuns()).rejects.toThrow('mine 0');
  });

  it('setPolicy replaces the policy and budgets start afresh; setPolicy() lets every call pass', async () => {
    const storage = faultyStorage(await MemoryStorage.open(), {
      failNext: { count: 1 },
    });
    storage.setPolicy({ failNext: { count: 2, operations: 'listRuns' } });
    await rejection(storage.listRuns());
    await rejection(storage.listRuns());
    expect(await storage.listRuns()).toEqual([]);
    storage.setPolicy({ failNext: { count: 1 } });
    storage.setPolicy();
    expect(await storage.isInitialized('r')).toBe(false);
  });
});

describe('faultyStorage: bad policies name the field and the value', () => {
  const cases: [FaultPolicy, ErrorConstructor, RegExp][] = [
    [
      { failRate: { rate: 2, seed: 1 } },
      RangeError,
      /policy\.failRate\.rate must be a number from 0 to 1, got 2/,
    ],
    [{ failNext: { count: -1 } }, RangeError, /policy\.failNext\.count.*-1/],
    [
      { commitThenFail: { count: 1.5 } },
      RangeError,
      /policy\.commitThenFail\.count.*1\.5/,
    ],
    [
      { corruptReads: { count: -2 } },
      RangeError,
      /policy\.corruptReads\.count.*-2/,
    ],
    [{ delay: { ms: -1 } }, RangeError, /policy\.delay\.ms.*-1/],
    [
      { failNext: { count: 1, operations: 'write' as 'prune' } },
      TypeError,
      /policy\.failNext\.operations.*"write"/,
    ],
    [{ decide: 5 as unknown as () => undefined }, TypeError, /policy\.decide/],
  ];
  for (const [policy, type, message] of cases) {
    it(JSON.stringify(policy), async () => {
      const inner = await MemoryStorage.open();
      expect(() => faultyStorage(inner, policy)).toThrow(type);
      expect(() => faultyStorage(inner, policy)).toThrow(message);
    });
  }
});

describe('FaultyStorage: calls, readOnly, close', () => {
  it('calls records seq, operation, args, runId, action, delayMs and outcome', async () => {
    const storage = faultyStorage(await MemoryStorage.open());
    await storage.initRun('r');
    await storage.listRuns();
    expect(storage.calls).toMatchObject([
      {
        seq: 0,
        operation: 'initRun',
        args: ['r'],
        runId: 'r',
        action: 'pass',
        delayMs: 0,
        outcome: 'resolved',
      },
      {
        seq: 1,
        operation: 'listRuns',
        args: [],
        runId: undefined,
        outcome: 'resolved',
      },
    ]);
  });

  it('readOnly is the inner storage’s', async () => {
    const inner = await MemoryStorage.open();
    expect(faultyStorage(inner).readOnly).toBe(inner.readOnly);
    expect(faultyStorage(inner).inner).toBe(inner);
  });

  it('close() is never faulted, closes the inner storage, is idempotent; calls after it are E_CLOSED', async () => {
    const inner = await MemoryStorage.open();
    const storage = faultyStorage(inner, { failNext: { count: 10 } });
    await storage.close();
    await storage.close();
    expect(isRunStateError(await rejection(inner.listRuns()), 'E_CLOSED')).toBe(
      true,
    );
    expect(
      isRunStateError(await rejection(storage.listRuns()), 'E_CLOSED'),
    ).toBe(true);
  });
});
