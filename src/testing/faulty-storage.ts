/**
 * A storage wrapper that fails on cue ({@link faultyStorage}), for tests of
 * how a processor lives through a failing database.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RunStateError } from '../errors.js';
import type {
  StorageAdapter,
  StoredSavepoint,
  WriteSavepointOptions,
} from '../storage/index.js';
import { show } from '../validate.js';
import { act, decide, delayOf } from './fault-decide.js';
import {
  startPolicy,
  type FaultCall,
  type FaultPolicy,
  type OperationFilter,
  type PolicyState,
  type StorageOperation,
} from './fault-policy.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Wrap `inner` so that its calls fail, wait, commit-then-fail or return
 * corrupted bytes as `policy` says; every call is recorded in
 * {@link FaultyStorage.calls}.
 *
 * @remarks
 * It is a {@link StorageAdapter}, so it goes wherever a storage does: a
 * StateStore, `startRun`, `resumeOrStart`. Injected failures are
 * `RunStateError`s of code `E_STORAGE` (what a backend throws when its driver
 * fails) unless the policy gives its own error. `close()` is never faulted
 * and closes `inner`.
 *
 * @param inner - the storage that does the work (a `MemoryStorage`, a
 *   SQLite file…)
 * @param policy - what to do to calls; nothing (every call passes) by
 *   default. Change it later with {@link FaultyStorage.setPolicy}.
 * @throws TypeError/RangeError naming a bad policy field.
 * @example
 * ```ts
 * const storage = faultyStorage(new MemoryStorage(), {
 *   failNext: { count: 2, operations: 'writeSavepoint' },
 * });
 * const run = startRun({ storage, ... });
 * await run.done; // restarted twice, then completed
 * expect(storage.callsOf('writeSavepoint').filter((c) => c.action === 'fail'))
 *   .toHaveLength(2);
 * ```
 */
export function faultyStorage(
  inner: StorageAdapter,
  policy?: FaultPolicy,
): FaultyStorage {
  return new FaultyStorage(inner, policy);
}

/** The storage {@link faultyStorage} returns. */
export class FaultyStorage implements StorageAdapter {
  /** The wrapped storage. */
  readonly inner: StorageAdapter;
  readonly #calls: Mutable<FaultCall>[] = [];
  #state: PolicyState;
  #closing: Promise<void> | undefined;

  /** Use {@link faultyStorage}. */
  constructor(inner: StorageAdapter, policy?: FaultPolicy) {
    const s = inner as Partial<StorageAdapter> | null;
    if (typeof s?.writeSavepoint !== 'function') {
      throw new TypeError(`inner must be a StorageAdapter, got ${show(inner)}`);
    }
    this.inner = inner;
    this.#state = startPolicy(policy);
  }

  /** The inner storage's `readOnly`. */
  get readOnly(): boolean {
    return this.inner.readOnly;
  }

  /** Every call so far, oldest first (live: settles as calls do). */
  get calls(): readonly FaultCall[] {
    return this.#calls;
  }

  /** The calls of one operation, oldest first. */
  callsOf(operation: StorageOperation): FaultCall[] {
    return this.#calls.filter((call) => call.operation === operation);
  }

  /** Replace the policy (its budgets start afresh); `{}` lets every call pass. */
  setPolicy(policy: FaultPolicy = {}): void {
    this.#state = startPolicy(policy);
  }

  /**
   * Fail the next `count` calls of `operations` (every operation by
   * default), keeping the rest of the policy.
   */
  failNext(count: number, operations?: OperationFilter, error?: unknown): void {
    const failNext = {
      count,
      ...(operations === undefined ? {} : { operations }),
      ...(error === undefined ? {} : { error }),
    };
    this.#state = startPolicy({ ...this.#state.policy, failNext });
  }

  isInitialized(runId: string): Promise<boolean> {
    return this.#call('isInitialized', [runId], () =>
      this.inner.isInitialized(runId),
    );
  }

  initRun(runId: string): Promise<void> {
    return this.#call('initRun', [runId], () => this.inner.initRun(runId));
  }

  writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void> {
    return this.#call('writeSavepoint', [runId, savepoint, options], () =>
      this.inner.writeSavepoint(runId, savepoint, options),
    );
  }

  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    const args = timestamp === undefined ? [runId] : [runId, timestamp];
    return this.#call('readSavepoint', args, () =>
      this.inner.readSavepoint(runId, timestamp),
    );
  }

  newestTimestamp(runId: string): Promise<number | undefined> {
    return this.#call('newestTimestamp', [runId], () =>
      this.inner.newestTimestamp(runId),
    );
  }

  listSavepoints(runId: string): Promise<number[]> {
    return this.#call('listSavepoints', [runId], () =>
      this.inner.listSavepoints(runId),
    );
  }

  prune(runId: string, keep: number): Promise<number> {
    return this.#call('prune', [runId, keep], () =>
      this.inner.prune(runId, keep),
    );
  }

  quarantineSavepoint(runId: string, timestamp: number): Promise<void> {
    return this.#call('quarantineSavepoint', [runId, timestamp], () =>
      this.inner.quarantineSavepoint(runId, timestamp),
    );
  }

  deleteRun(runId: string): Promise<boolean> {
    return this.#call('deleteRun', [runId], () => this.inner.deleteRun(runId));
  }

  listRuns(): Promise<string[]> {
    return this.#call('listRuns', [], () => this.inner.listRuns());
  }

  /** Close the inner storage. Idempotent; never faulted. */
  close(): Promise<void> {
    return (this.#closing ??= this.inner.close());
  }

  /** Same as {@link FaultyStorage.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #call<T>(
    operation: StorageOperation,
    args: readonly unknown[],
    run: () => Promise<T>,
  ): Promise<T> {
    if (this.#closing !== undefined) {
      throw new RunStateError(
        'E_CLOSED',
        `${operation} on a closed faulty storage`,
      );
    }
    const runId = operation === 'listRuns' ? undefined : (args[0] as string);
    const call: Mutable<FaultCall> = {
      seq: this.#calls.length,
      operation,
      args,
      runId,
      action: 'pass',
      delayMs: 0,
      outcome: 'pending',
    };
    this.#calls.push(call);
    try {
      const decision = decide(this.#state, call);
      call.action = decision.action;
      call.delayMs = delayOf(this.#state, call) + (decision.delayMs ?? 0);
      if (call.delayMs > 0) await sleep(call.delayMs);
      const result = await act(decision, call, run);
      call.outcome = 'resolved';
      return result;
    } catch (error) {
      call.outcome = 'rejected';
      call.error = error;
      throw error;
    }
  }
}
