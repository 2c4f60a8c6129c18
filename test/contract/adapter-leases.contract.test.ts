/**
 * Contract probes: docs/storage-adapters.md section 5 for an adapter built
 * on `BaseStorage`: `leases` becomes true by itself exactly when all three
 * lease hooks are implemented; an adapter without leases keeps working,
 * unfenced; the lease methods of such an adapter are a `TypeError`.
 */
import { describe, expect, it } from 'vitest';
import {
  BaseStorage,
  createStateStore,
  notMonotonicError,
  type LeaseRequest,
  type RunLease,
  type StoredSavepoint,
} from '../../src/index.js';
import { sp } from './backends.js';

/** A tiny in-memory adapter without leases. */
class Plain extends BaseStorage {
  readonly runs = new Map<string, StoredSavepoint[]>();
  constructor() {
    super({ name: 'Plain' });
  }
  protected _isInitialized(runId: string) {
    return this.runs.has(runId);
  }
  protected _initRun(runId: string) {
    if (!this.runs.has(runId)) this.runs.set(runId, []);
  }
  protected _writeSavepoint(runId: string, s: StoredSavepoint, keep: number) {
    const live = this.runs.get(runId) ?? [];
    const newest = live.at(-1)?.timestamp;
    if (newest !== undefined && newest >= s.timestamp) {
      throw notMonotonicError(runId, s.timestamp, newest);
    }
    this.runs.set(runId, [...live, s].slice(-keep));
  }
  protected _readSavepoint(runId: string, timestamp: number | undefined) {
    const live = this.runs.get(runId) ?? [];
    return timestamp === undefined
      ? live.at(-1)
      : live.find((x) => x.timestamp === timestamp);
  }
  protected _listSavepoints(runId: string) {
    return (this.runs.get(runId) ?? []).map((x) => x.timestamp);
  }
  protected _prune(runId: string, keep: number) {
    const live = this.runs.get(runId) ?? [];
    this.runs.set(runId, live.slice(-keep));
    return Math.max(0, live.length - keep);
  }
  protected _quarantineSavepoint(runId: string, timestamp: number) {
    const live = this.runs.get(runId) ?? [];
    this.runs.set(
      runId,
      live.filter((x) => x.timestamp !== timestamp),
    );
  }
  protected _deleteRun(runId: string) {
    return this.runs.delete(runId);
  }
  protected _listRuns() {
    return [...this.runs.keys()].sort();
  }
}

const lease = (runId: string, request: LeaseRequest): RunLease => ({
  runId,
  owner: request.owner,
  token: 1,
});

/** Only `_acquireLease`: not a lease-capable adapter. */
class OneHook extends Plain {
  protected override _acquireLease(runId: string, request: LeaseRequest) {
    return lease(runId, request);
  }
}

/** All three hooks (a toy: never refuses). */
class ThreeHooks extends OneHook {
  protected override _renewLease() {}
  protected override _releaseLease() {}
}

describe('BaseStorage leases', () => {
  it('is true with all three hooks', () => {
    expect(new ThreeHooks().leases).toBe(true);
  });

  it('is false without hooks, and with only some of them', () => {
    expect(new Plain().leases).toBe(false);
    expect(new OneHook().leases).toBe(false);
  });

  it('an adapter without leases: acquireLease is a TypeError, a fenced write too', async () => {
    const s = new Plain();
    await expect(
      s.acquireLease('r', { owner: 'a', ttlMs: 1_000 }),
    ).rejects.toThrow(TypeError);
    await expect(
      s.writeSavepoint('r', sp(1), {
        keep: 1,
        lease: { runId: 'r', owner: 'a', token: 1 },
      }),
    ).rejects.toThrow(TypeError);
  });

  it('a StateStore on an adapter without leases keeps working, unfenced', async () => {
    const s = new Plain();
    const a = createStateStore({ runId: 'r', schedule: 1_000, storage: s });
    const [e] = await a.initRunState(0, [['e', 0]]);
    a.save(e!, 1_000, 1);
    await a.flush();
    // No lease: a second store is not refused.
    const b = createStateStore({ runId: 'r', schedule: 1_000, storage: s });
    await expect(b.loadRunState()).resolves.toMatchObject({ timestamp: 1_000 });
    await a.close();
    await b.close();
    expect(await s.listSavepoints('r')).toEqual([1_000]);
  });
});
