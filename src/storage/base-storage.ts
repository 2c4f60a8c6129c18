/**
 * The base class every backend extends: it owns the public methods of the
 * storage contract (state checks, argument checks, ordering, error
 * wrapping, `close()`), so a backend implements only the operations.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';
import { checkPositiveInteger, checkTimestamp } from '../validate.js';
import {
  checkBaseOptions,
  type BaseStorageOptions,
  type MaybePromise,
} from './base-storage-options.js';
import { LeaseCalls, type LeaseHooks } from './lease-calls.js';
import {
  NO_RUN,
  OperationGate,
  READ,
  WRITE,
  noDetails,
  type Details,
} from './operation-gate.js';
import { listInfoByReading } from './savepoint-meta.js';
import { SavepointCalls, type SavepointHooks } from './savepoint-calls.js';
import {
  SubscriptionTracker,
  type SubscribeHook,
} from './subscription-tracker.js';
import type {
  QuarantinedInfo,
  ReplaceOutcome,
  ReplaceSavepointOptions,
  SavepointInfo,
  LeaseInfo,
  LeaseRequest,
  RunLease,
  StorageAdapter,
  StoredSavepoint,
  WriteSavepointOptions,
} from './types.js';
import type {
  SavepointSubscriber,
  SavepointSubscription,
} from './savepoint-notices.js';
import { cannotReplace, notImplemented } from './unsupported-hooks.js';

/**
 * A storage backend's skeleton: extend it and implement the `_`-prefixed
 * hooks (the convention of Node's `stream.Writable#_write`).
 *
 * @remarks
 * The public methods, which are the {@link StorageAdapter} contract, do for
 * every backend what the contract demands around the hooks:
 *
 * - reject with `E_CLOSED` once {@link BaseStorage.close} was called, and
 *   with `E_READ_ONLY` for a write on a read-only storage;
 * - check every argument (`TypeError`/`RangeError` naming it), so a hook
 *   only ever sees a valid run id, timestamp, savepoint and `keep`;
 * - apply the writes of one run in call order (see
 *   {@link BaseStorageOptions.serialWrites});
 * - wrap anything a hook throws that is not a `RunStateError` as
 *   `E_STORAGE`, with the thrown error as `cause`;
 * - make `close()` idempotent: it waits for the operations in flight, then
 *   calls {@link BaseStorage._close} once.
 *
 * A hook may be synchronous or return a promise. What a hook must still do
 * itself: write and prune atomically, refuse a savepoint that is not newer
 * than the newest live one (throw {@link notMonotonicError}), and copy or
 * encode the bytes it is given (the caller may reuse its buffers).
 *
 * @example
 * ```ts
 * class MyStorage extends BaseStorage {
 *   static async open(): Promise<MyStorage> {
 *     return new MyStorage({ name: 'MyStorage' });
 *   }
 *   protected _writeSavepoint(runId, savepoint, keep) { … }
 *   // …one method per hook
 * }
 * ```
 * @see `docs/storage-adapters.md` for a complete adapter, step by step.
 */
export abstract class BaseStorage implements StorageAdapter {
  /** Whether this instance refuses writes (`E_READ_ONLY`). */
  readonly readOnly: boolean;
  /**
   * Whether the backend has run leases: true when the subclass implements
   * the lease hooks ({@link BaseStorage._acquireLease} and the others).
   */
  readonly leases: boolean;
  readonly #name: string;
  readonly #gate: OperationGate;
  readonly #leases: LeaseCalls;
  readonly #subscriptions: SubscriptionTracker;
  readonly #savepoints: SavepointCalls;

  /**
   * No I/O here: open connections in the subclass's `static async open()`.
   *
   * @param options - see {@link BaseStorageOptions}
   * @throws `TypeError` for a bad option.
   */
  protected constructor(options: BaseStorageOptions) {
    const checked = checkBaseOptions(options);
    this.readOnly = checked.readOnly;
    this.#gate = new OperationGate(checked);
    this.#name = checked.name;
    // The helpers call the (protected) hooks on this very instance.
    const hooks = this as unknown as LeaseHooks &
      SubscribeHook &
      SavepointHooks;
    this.#leases = new LeaseCalls(this.#gate, this.#name, hooks);
    this.#subscriptions = new SubscriptionTracker(this.#gate, hooks);
    this.#savepoints = new SavepointCalls(this.#gate, this.#leases, hooks);
    this.leases = this.#leases.enabled;
    if (typeof this._listLeases === 'function') {
      this.listLeases = (prefix?: string) => this.#leases.list(prefix);
    }
    if (this.#subscriptions.enabled) {
      this.subscribeSavepoints = (subscriber) =>
        this.#subscriptions.subscribe(subscriber);
    }
  }

  /** Whether {@link BaseStorage.close} was called. */
  get closed(): boolean {
    return this.#gate.closed;
  }

  /** {@inheritDoc StorageAdapter.isInitialized} */
  isInitialized(runId: string): Promise<boolean> {
    return this.#gate.start('isInitialized', READ, runId, noDetails, () =>
      this._isInitialized(runId),
    );
  }

  /** {@inheritDoc StorageAdapter.initRun} */
  initRun(runId: string): Promise<void> {
    return this.#gate.start('initRun', WRITE, runId, noDetails, () =>
      this._initRun(runId),
    );
  }

  /** {@inheritDoc StorageAdapter.writeSavepoint} */
  writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void> {
    return this.#savepoints.write(runId, savepoint, options);
  }

  /** {@inheritDoc StorageAdapter.acquireLease} */
  acquireLease(runId: string, request: LeaseRequest): Promise<RunLease> {
    return this.#leases.acquire(runId, request);
  }

  /**
   * {@inheritDoc StorageAdapter.listLeases}
   *
   * Present when the subclass implements {@link BaseStorage._listLeases};
   * `undefined` otherwise, so `typeof storage.listLeases === 'function'`
   * tells.
   */
  readonly listLeases?: (prefix?: string) => Promise<LeaseInfo[]>;

  /**
   * {@inheritDoc StorageAdapter.subscribeSavepoints}
   *
   * Present when the subclass implements
   * {@link BaseStorage._subscribeSavepoints}. Subscriptions still open are
   * closed by {@link BaseStorage.close}.
   */
  readonly subscribeSavepoints?: (
    subscriber: SavepointSubscriber,
  ) => Promise<SavepointSubscription>;

  /** {@inheritDoc StorageAdapter.renewLease} */
  renewLease(lease: RunLease, ttlMs: number): Promise<void> {
    return this.#leases.renew(lease, ttlMs);
  }

  /** {@inheritDoc StorageAdapter.releaseLease} */
  releaseLease(lease: RunLease): Promise<void> {
    return this.#leases.release(lease);
  }

  /** {@inheritDoc StorageAdapter.replaceSavepoint} */
  replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: ReplaceSavepointOptions,
  ): Promise<ReplaceOutcome> {
    return this.#savepoints.replace(runId, savepoint, options);
  }

  /** {@inheritDoc StorageAdapter.readSavepoint} */
  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    return this.#savepoints.read(runId, timestamp);
  }

  /** {@inheritDoc StorageAdapter.listSavepointInfo} */
  listSavepointInfo(runId: string): Promise<SavepointInfo[]> {
    return this.#gate.start('listSavepointInfo', READ, runId, noDetails, () =>
      this._listSavepointInfo(runId),
    );
  }

  /** {@inheritDoc StorageAdapter.newestTimestamp} */
  newestTimestamp(runId: string): Promise<number | undefined> {
    return this.#gate.start('newestTimestamp', READ, runId, noDetails, () =>
      this._newestTimestamp(runId),
    );
  }

  /** {@inheritDoc StorageAdapter.listSavepoints} */
  listSavepoints(runId: string): Promise<number[]> {
    return this.#gate.start('listSavepoints', READ, runId, noDetails, () =>
      this._listSavepoints(runId),
    );
  }

  /** {@inheritDoc StorageAdapter.prune} */
  prune(runId: string, keep: number): Promise<number> {
    const check = (): Details => ({ keep: checkPositiveInteger('keep', keep) });
    return this.#gate.start('prune', WRITE, runId, check, () =>
      this._prune(runId, keep),
    );
  }

  /** {@inheritDoc StorageAdapter.quarantineSavepoint} */
  quarantineSavepoint(runId: string, timestamp: number): Promise<void> {
    const check = (): Details => ({
      timestamp: checkTimestamp('timestamp', timestamp),
    });
    return this.#gate.start('quarantineSavepoint', WRITE, runId, check, () =>
      this._quarantineSavepoint(runId, timestamp),
    );
  }

  /** {@inheritDoc StorageAdapter.listQuarantined} */
  listQuarantined(runId: string): Promise<QuarantinedInfo[]> {
    return this.#gate.start('listQuarantined', READ, runId, noDetails, () =>
      this._listQuarantined(runId),
    );
  }

  /** {@inheritDoc StorageAdapter.restoreSavepoint} */
  restoreSavepoint(runId: string, timestamp: number): Promise<void> {
    const check = (): Details => ({
      timestamp: checkTimestamp('timestamp', timestamp),
    });
    return this.#gate.start('restoreSavepoint', WRITE, runId, check, () =>
      this._restoreSavepoint(runId, timestamp),
    );
  }

  /** {@inheritDoc StorageAdapter.deleteRun} */
  deleteRun(runId: string): Promise<boolean> {
    return this.#gate.start('deleteRun', WRITE, runId, noDetails, () =>
      this._deleteRun(runId),
    );
  }

  /** {@inheritDoc StorageAdapter.listRuns} */
  listRuns(): Promise<string[]> {
    return this.#gate.start('listRuns', READ, NO_RUN, noDetails, () =>
      this._listRuns(),
    );
  }

  /**
   * Refuse new calls with `E_CLOSED`, wait for the operations in flight,
   * then release the backend ({@link BaseStorage._close}). Idempotent: every
   * call returns the same promise.
   *
   * @throws `E_STORAGE` when releasing fails, with the error as `cause`.
   */
  close(): Promise<void> {
    return this.#gate.close(async () => {
      const closed = new RunStateError('E_CLOSED', `${this.#name} is closed`);
      await this.#subscriptions.endAll(closed);
      await this._close();
    });
  }

  /** Same as {@link BaseStorage.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** {@inheritDoc StorageAdapter.isInitialized} */
  protected abstract _isInitialized(runId: string): MaybePromise<boolean>;

  /** {@inheritDoc StorageAdapter.initRun} */
  protected abstract _initRun(runId: string): MaybePromise<void>;

  /**
   * Persist `savepoint` and delete all but the newest `keep` live
   * savepoints, atomically; throw {@link notMonotonicError} (writing
   * nothing) when it is not newer than the newest live one.
   */
  protected abstract _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
    fence?: RunLease,
  ): MaybePromise<void>;

  /**
   * Optional (all three lease hooks or none): take or renew the run's lease
   * atomically, by {@link LeaseRequest} rules (`docs/storage-adapters.md`).
   * A backend with these hooks must also check `fence` in
   * {@link BaseStorage._writeSavepoint} atomically with the write.
   */
  protected _acquireLease?(
    runId: string,
    request: LeaseRequest,
  ): MaybePromise<RunLease>;

  /** Optional: {@inheritDoc StorageAdapter.renewLease} */
  protected _renewLease?(lease: RunLease, ttlMs: number): MaybePromise<void>;

  /** Optional: {@inheritDoc StorageAdapter.releaseLease} */
  protected _releaseLease?(lease: RunLease): MaybePromise<void>;

  /**
   * Optional, with the other lease hooks, where leases are shared between
   * processes: {@inheritDoc StorageAdapter.listLeases} `prefix` is checked
   * (a string, `''` for every lease).
   */
  protected _listLeases?(prefix: string): MaybePromise<LeaseInfo[]>;

  /**
   * Optional: announce every committed savepoint to `subscriber`, from any
   * process, until the subscription closes. A backend with it announces
   * each write after (and only if) it commits, in commit order per run.
   */
  protected _subscribeSavepoints?(
    subscriber: SavepointSubscriber,
  ): Promise<SavepointSubscription>;

  /** {@inheritDoc StorageAdapter.readSavepoint} */
  protected abstract _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): MaybePromise<StoredSavepoint | undefined>;

  /** {@inheritDoc StorageAdapter.listSavepoints} */
  protected abstract _listSavepoints(runId: string): MaybePromise<number[]>;

  /** {@inheritDoc StorageAdapter.prune} */
  protected abstract _prune(runId: string, keep: number): MaybePromise<number>;

  /** {@inheritDoc StorageAdapter.quarantineSavepoint} */
  protected abstract _quarantineSavepoint(
    runId: string,
    timestamp: number,
  ): MaybePromise<void>;

  /** {@inheritDoc StorageAdapter.deleteRun} */
  protected abstract _deleteRun(runId: string): MaybePromise<boolean>;

  /** {@inheritDoc StorageAdapter.listRuns} */
  protected abstract _listRuns(): MaybePromise<string[]>;

  /**
   * The newest live savepoint's timestamp. Defaults to the last of
   * {@link BaseStorage._listSavepoints}; override it when the backend can
   * answer without listing.
   */
  protected async _newestTimestamp(runId: string): Promise<number | undefined> {
    return (await this._listSavepoints(runId)).at(-1);
  }

  /**
   * The live savepoints with their metadata. Defaults to reading each
   * savepoint; override it when the backend can answer without the states.
   */
  protected _listSavepointInfo(runId: string): Promise<SavepointInfo[]> {
    return listInfoByReading(
      () => this._listSavepoints(runId),
      (timestamp) => this._readSavepoint(runId, timestamp),
    );
  }

  /**
   * Swap the live savepoint at `savepoint.timestamp` for `savepoint` and
   * quarantine the old one, atomically, when its version is `expectVersion`
   * ({@link StorageAdapter.replaceSavepoint}). The default refuses with
   * `E_UNSUPPORTED`: a backend that can do it atomically overrides it.
   */
  protected _replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    expectVersion: number,
  ): MaybePromise<ReplaceOutcome> {
    throw cannotReplace(this.#name, runId, savepoint.timestamp, expectVersion);
  }

  /**
   * The run's quarantined savepoints
   * ({@link StorageAdapter.listQuarantined}). The default refuses with
   * `E_UNSUPPORTED`: every built-in backend overrides it.
   */
  protected _listQuarantined(runId: string): MaybePromise<QuarantinedInfo[]> {
    throw notImplemented(this.#name, '_listQuarantined', runId, {});
  }

  /**
   * Move the savepoint at `timestamp` quarantined last back to live,
   * atomically; throw {@link notQuarantinedError} when there is none and
   * {@link notMonotonicError} when a live one at or after it exists
   * ({@link StorageAdapter.restoreSavepoint}). The default refuses with
   * `E_UNSUPPORTED`: every built-in backend overrides it.
   */
  protected _restoreSavepoint(
    runId: string,
    timestamp: number,
  ): MaybePromise<void> {
    throw notImplemented(this.#name, '_restoreSavepoint', runId, {
      timestamp,
    });
  }

  /**
   * Release what the storage owns (connections, handles). Called once, by
   * the first {@link BaseStorage.close}, after every operation in flight
   * settled. Does nothing by default.
   */
  protected _close(): MaybePromise<void> {
    return undefined;
  }
}
