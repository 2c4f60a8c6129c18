import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  RunStateError,
  isRunStateError,
  type StoredSavepoint,
} from '../../src/index.js';
import { faultyStorage, type FaultCall } from '../../src/testing/index.js';

const sp = (timestamp: number, byte = timestamp % 256): StoredSavepoint => ({
  timestamp,
  entries: [['a', Uint8Array.of(1, 2, byte)]],
});
const KEEP = { keep: 10 };

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('faultyStorage()', () => {
  it('passes every call through by default and records each', async () => {
    const storage = faultyStorage(new MemoryStorage());
    await storage.writeSavepoint('r', sp(1), KEEP);
    expect(await storage.listSavepoints('r')).toEqual([1]);
    expect(
      storage.calls.map((c) => [c.seq, c.operation, c.action, c.outcome]),
    ).toEqual([
      [0, 'writeSavepoint', 'pass', 'resolved'],
      [1, 'listSavepoints', 'pass', 'resolved'],
    ]);
    expect(storage.calls[0]?.args).toEqual(['r', sp(1), KEEP]);
    expect(storage.calls[0]?.runId).toBe('r');
  });

  it('fails the next N calls of one operation with an injected E_STORAGE, then passes', async () => {
    const inner = new MemoryStorage();
    const storage = faultyStorage(inner, {
      failNext: { count: 2, operations: 'writeSavepoint' },
    });
    expect(await storage.listRuns()).toEqual([]); // not counted
    for (const ts of [1, 2]) {
      const error = await rejection(storage.writeSavepoint('r', sp(ts), KEEP));
      expect(isRunStateError(error, 'E_STORAGE')).toBe(true);
      expect((error as RunStateError).message).toContain('injected');
      expect((error as RunStateError).cause).toBeInstanceOf(Error);
    }
    expect(await inner.listSavepoints('r')).toEqual([]); // never reached it
    await storage.writeSavepoint('r', sp(3), KEEP);
    expect(await inner.listSavepoints('r')).toEqual([3]);
    const writes = storage.callsOf('writeSavepoint');
    expect(writes.map((c) => [c.action, c.outcome])).toEqual([
      ['fail', 'rejected'],
      ['fail', 'rejected'],
      ['pass', 'resolved'],
    ]);
    expect(writes[0]?.error).toBeInstanceOf(RunStateError);
  });

  it('fails the next N calls of every operation, with the given error', async () => {
    const boom = new Error('connection reset');
    const storage = faultyStorage(new MemoryStorage(), {
      failNext: { count: 2, error: boom },
    });
    expect(await rejection(storage.listRuns())).toBe(boom);
    expect(await rejection(storage.newestTimestamp('r'))).toBe(boom);
    expect(await storage.newestTimestamp('r')).toBeUndefined();
  });

  it('takes an error factory that sees the call', async () => {
    const storage = faultyStorage(new MemoryStorage(), {
      failNext: {
        count: 1,
        error: (call: FaultCall) => new Error(`no ${call.operation}`),
      },
    });
    await expect(storage.initRun('r')).rejects.toThrow('no initRun');
  });

  it('failNext() adds a budget to the current policy', async () => {
    const storage = faultyStorage(new MemoryStorage());
    await storage.initRun('r');
    storage.failNext(1, ['prune', 'initRun']);
    await expect(storage.listRuns()).resolves.toEqual(['r']);
    await expect(storage.initRun('r')).rejects.toThrow(/injected/);
    await expect(storage.initRun('r')).resolves.toBeUndefined();
  });

  it('fails at a seeded random rate, the same calls for the same seed', async () => {
    const pattern = async (seed: number) => {
      const storage = faultyStorage(new MemoryStorage(), {
        failRate: { rate: 0.3, seed, operations: 'isInitialized' },
      });
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, () => storage.isInitialized('r')),
      );
      return results.map((r) => r.status === 'rejected');
    };
    const a = await pattern(42);
    expect(await pattern(42)).toEqual(a);
    expect(await pattern(43)).not.toEqual(a);
    const failures = a.filter(Boolean).length;
    expect(failures).toBeGreaterThan(30); // 60 expected
    expect(failures).toBeLessThan(90);
  });

  it('delays calls before acting', async () => {
    const storage = faultyStorage(new MemoryStorage(), {
      delay: { ms: 40, operations: 'listRuns' },
    });
    const started = performance.now();
    await storage.listRuns();
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    await storage.isInitialized('r');
    expect(storage.calls.map((c) => c.delayMs)).toEqual([40, 0]);
  });

  it('commits, then reports failure, as after a lost connection', async () => {
    const inner = new MemoryStorage();
    const storage = faultyStorage(inner, { commitThenFail: { count: 1 } });
    expect(await storage.listRuns()).toEqual([]); // a read: not counted
    const error = await rejection(storage.writeSavepoint('r', sp(5), KEEP));
    expect(isRunStateError(error, 'E_STORAGE')).toBe(true);
    expect(await inner.listSavepoints('r')).toEqual([5]); // it landed
    expect(storage.calls[1]?.action).toBe('commit-then-fail');
    const again = await rejection(storage.writeSavepoint('r', sp(5), KEEP));
    expect(isRunStateError(again, 'E_NOT_MONOTONIC')).toBe(true);
  });

  it('returns corrupted bytes on read, which the codec refuses', async () => {
    const inner = new MemoryStorage();
    await inner.writeSavepoint('r', sp(1, 7), KEEP);
    const storage = faultyStorage(inner, { corruptReads: { count: 1 } });
    const read = await storage.readSavepoint('r');
    expect([...(read?.entries[0]?.[1] ?? [])]).toEqual([1, 2, 7 ^ 0xff]);
    const clean = await storage.readSavepoint('r');
    expect([...(clean?.entries[0]?.[1] ?? [])]).toEqual([1, 2, 7]);
    const stored = await inner.readSavepoint('r');
    expect([...(stored?.entries[0]?.[1] ?? [])]).toEqual([1, 2, 7]);
  });

  it('lets decide() see every call first and settle it', async () => {
    const seen: string[] = [];
    const storage = faultyStorage(new MemoryStorage(), {
      failNext: { count: 5 },
      decide: (call) => {
        seen.push(`${call.seq}:${call.operation}`);
        if (call.operation === 'listRuns') return 'pass';
        if (call.operation === 'initRun') {
          return { action: 'fail', error: new Error('decided') };
        }
        return undefined; // the rest of the policy: failNext
      },
    });
    await expect(storage.listRuns()).resolves.toEqual([]);
    await expect(storage.initRun('r')).rejects.toThrow('decided');
    await expect(storage.listSavepoints('r')).rejects.toThrow(/injected/);
    expect(seen).toEqual(['0:listRuns', '1:initRun', '2:listSavepoints']);
  });

  it('rejects a decide() answer that is not an action, naming it', async () => {
    const storage = faultyStorage(new MemoryStorage(), {
      decide: () => 'explode' as 'fail',
    });
    await expect(storage.listRuns()).rejects.toThrow(
      /policy\.decide must return/,
    );
  });

  it.each([
    [{ failNext: { count: -1 } }, RangeError, 'policy.failNext.count'],
    [
      { failNext: { count: 1, operations: 'write' } },
      TypeError,
      'policy.failNext.operations',
    ],
    [{ failRate: { rate: 2, seed: 1 } }, RangeError, 'policy.failRate.rate'],
    [{ failRate: { rate: 0.5, seed: 'x' } }, TypeError, 'policy.failRate.seed'],
    [{ delay: { ms: 1.5 } }, RangeError, 'policy.delay.ms'],
    [{ decide: 3 }, TypeError, 'policy.decide'],
    [{ failnext: { count: 1 } }, TypeError, 'policy.failnext'],
    [{ corruptReads: true }, TypeError, 'policy.corruptReads'],
    [
      { corruptReads: { count: Infinity } },
      RangeError,
      'policy.corruptReads.count',
    ],
  ])('refuses the policy %j, naming the field', (policy, type, name) => {
    expect(() => faultyStorage(new MemoryStorage(), policy as never)).toThrow(
      type,
    );
    expect(() => faultyStorage(new MemoryStorage(), policy as never)).toThrow(
      name,
    );
  });

  it('refuses an inner that is not a storage', () => {
    expect(() => faultyStorage({} as never)).toThrow(TypeError);
  });

  it('closes the inner storage, once; calls after close fail E_CLOSED', async () => {
    const inner = new MemoryStorage();
    const storage = faultyStorage(inner);
    await storage.close();
    await storage.close();
    await expect(inner.listRuns()).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(storage.listRuns()).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
  });

  it('is disposable with await using', async () => {
    const inner = new MemoryStorage();
    {
      await using storage = faultyStorage(inner);
      await storage.initRun('r');
    }
    await expect(inner.listRuns()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('replaces the policy with setPolicy(), budgets afresh', async () => {
    const storage = faultyStorage(new MemoryStorage(), {
      failNext: { count: 1 },
    });
    storage.setPolicy();
    await expect(storage.listRuns()).resolves.toEqual([]);
    storage.setPolicy({ failNext: { count: 1, operations: 'listRuns' } });
    await expect(storage.listRuns()).rejects.toThrow(/injected/);
  });
});
