/**
 * The base class every backend extends: it owns the public methods of the
 * storage contract (state checks, argument checks, ordering, error
 * wrapping, `close()`), so a backend implements only the operations.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError } from '../errors.js';
import { checkPositiveInteger, checkTimestamp, show } from '../validate.js';
import { checkWriteOptions } from './check-savepoint.js';
import {
  checkBaseOptions,
  type BaseStorageOptions,
  type MaybePromise,
} from './base-storage-options.js';
import {
  NO_RUN,
  OperationGate,
  READ,
  WRITE,
  noDetails,
  type Details,
} from './operation-gate.js';
import { checkLease, checkLeaseRequest } from './lease-rules.js';
import {
  DEFAULT_META,
  checkVersion,
  listInfoByReading,
  withMeta,
} from './savepoint-meta.js';
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

interface LeaseHooks {
  _acquireLease(runId: string, request: LeaseRequest): MaybePromise<RunLease>;
  _renewLease(lease: RunLease, ttlMs: number): MaybePromise<void>;
  _releaseLease(lease: RunLease): MaybePromise<void>;
}

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
    this.leases = typeof this._acquireLease === 'function';
    if (typeof this._listLeases === 'function') {
      this.listLeases = (prefix?: string) => this.#listLeases(prefix);
    }
    if (typeof this._subscribeSavepoints === 'function') {
      this.subscribeSavepoints = (subscriber) => this.#subscribe(subscriber);
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
    let keep = 0;
    let fence: RunLease | undefined;
    let complete = savepoint;
    const check = (): Details => {
      complete = withMeta(savepoint);
      keep = checkWriteOptions('options', options);
      fence = this.#checkFence(runId, options.lease);
      return { timestamp: savepoint.timestamp };
    };
    return this.#gate.start('writeSavepoint', WRITE, runId, check, () =>
      this._writeSavepoint(runId, complete, keep, fence),
    );
  }

  /** {@inheritDoc StorageAdapter.acquireLease} */
  acquireLease(runId: string, request: LeaseRequest): Promise<RunLease> {
    let checked: LeaseRequest | undefined;
    const check = (): Details => {
      this.#needLeases('acquireLease');
      checked = checkLeaseRequest('request', request);
      return { owner: checked.owner };
    };
    return this.#gate.start('acquireLease', WRITE, runId, check, () =>
      (this._acquireLease as LeaseHooks['_acquireLease'])(
        runId,
        checked as LeaseRequest,
      ),
    );
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
  readonly #subscriptions = new Map<
    SavepointSubscription,
    SavepointSubscriber
  >();

  /** {@inheritDoc StorageAdapter.renewLease} */
  renewLease(lease: RunLease, ttlMs: number): Promise<void> {
    const check = (): Details => {
      this.#needLeases('renewLease');
      return {
        token: lease.token,
        ttlMs: checkPositiveInteger('ttlMs', ttlMs),
      };
    };
    return this.#onLease('renewLease', lease, check, () =>
      (this._renewLease as LeaseHooks['_renewLease'])(lease, ttlMs),
    );
  }

  /** {@inheritDoc StorageAdapter.releaseLease} */
  releaseLease(lease: RunLease): Promise<void> {
    const check = (): Details => {
      this.#needLeases('releaseLease');
      return { token: lease.token };
    };
    return this.#onLease('releaseLease', lease, check, () =>
      (this._releaseLease as LeaseHooks['_releaseLease'])(lease),
    );
  }

  /** {@inheritDoc StorageAdapter.replaceSavepoint} */
  replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: ReplaceSavepointOptions,
  ): Promise<ReplaceOutcome> {
    let complete = savepoint;
    let expect = 0;
    const check = (): Details => {
      complete = withMeta(savepoint);
      expect = checkVersion(
        'options.expectVersion',
        (options as Partial<ReplaceSavepointOptions> | undefined)
          ?.expectVersion,
      );
      return { timestamp: savepoint.timestamp };
    };
    return this.#gate.start('replaceSavepoint', WRITE, runId, check, () =>
      this._replaceSavepoint(runId, complete, expect),
    );
  }

  /** {@inheritDoc StorageAdapter.readSavepoint} */
  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    const check = (): Details => {
      if (timestamp !== undefined) checkTimestamp('timestamp', timestamp);
      return { timestamp };
    };
    return this.#gate.start('readSavepoint', READ, runId, check, async () => {
      const read = await this._readSavepoint(runId, timestamp);
      return read === undefined || read.meta !== undefined
        ? read
        : { ...read, meta: DEFAULT_META };
    });
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
      const open = [...this.#subscriptions];
      this.#subscriptions.clear();
      const closed = new RunStateError('E_CLOSED', `${this.#name} is closed`);
      await Promise.all(
        open.map(async ([sub, subscriber]) => {
          await sub.close();
          subscriber.ended?.(closed);
        }),
      );
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
    throw new RunStateError(
      'E_UNSUPPORTED',
      `${this.#name} cannot replace a savepoint atomically (no _replaceSavepoint); migrateRun needs it`,
      { details: { runId, timestamp: savepoint.timestamp, expectVersion } },
    );
  }

  /**
   * The run's quarantined savepoints
   * ({@link StorageAdapter.listQuarantined}). The default refuses with
   * `E_UNSUPPORTED`: every built-in backend overrides it.
   */
  protected _listQuarantined(runId: string): MaybePromise<QuarantinedInfo[]> {
    throw this.#unsupported('_listQuarantined', runId, {});
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
    throw this.#unsupported('_restoreSavepoint', runId, { timestamp });
  }

  #unsupported(
    hook: string,
    runId: string,
    details: Record<string, unknown>,
  ): RunStateError {
    return new RunStateError(
      'E_UNSUPPORTED',
      `${this.#name} does not implement ${hook}`,
      { details: { runId, ...details } },
    );
  }

  /**
   * Release what the storage owns (connections, handles). Called once, by
   * the first {@link BaseStorage.close}, after every operation in flight
   * settled. Does nothing by default.
   */
  protected _close(): MaybePromise<void> {
    return undefined;
  }

  /** The gate's `start` for an operation on a lease handed back. */
  #onLease<T>(
    operation: string,
    lease: RunLease,
    check: () => Details,
    body: () => MaybePromise<T>,
  ): Promise<T> {
    try {
      checkLease('lease', lease);
    } catch (error) {
      return Promise.reject(ensureError(error));
    }
    return this.#gate.start(operation, WRITE, lease.runId, check, body);
  }

  async #subscribe(
    subscriber: SavepointSubscriber,
  ): Promise<SavepointSubscription> {
    const hook = (s: SavepointSubscriber): Promise<SavepointSubscription> =>
      (
        this._subscribeSavepoints as (
          s: SavepointSubscriber,
        ) => Promise<SavepointSubscription>
      ).call(this, s);
    const check = (): Details => {
      const s = subscriber as Partial<SavepointSubscriber> | null;
      if (
        s === null ||
        typeof s !== 'object' ||
        typeof s.notice !== 'function' ||
        typeof s.lost !== 'function' ||
        typeof s.resumed !== 'function' ||
        (s.ended !== undefined && typeof s.ended !== 'function')
      ) {
        throw new TypeError(
          `subscriber must be an object with notice, lost and resumed methods (and optionally ended), got ${show(subscriber)}`,
        );
      }
      return {};
    };
    const inner = await this.#gate.start(
      'subscribeSavepoints',
      READ,
      NO_RUN,
      check,
      () => hook(subscriber),
    );
    const tracked: SavepointSubscription = {
      close: () => {
        this.#subscriptions.delete(tracked);
        return inner.close();
      },
    };
    this.#subscriptions.set(tracked, subscriber);
    return tracked;
  }

  #listLeases(prefix: unknown): Promise<LeaseInfo[]> {
    const check = (): Details => {
      if (prefix !== undefined && typeof prefix !== 'string') {
        throw new TypeError(`prefix must be a string, got ${show(prefix)}`);
      }
      return { prefix };
    };
    return this.#gate.start('listLeases', READ, NO_RUN, check, () =>
      (this._listLeases as (p: string) => MaybePromise<LeaseInfo[]>)(
        (prefix as string | undefined) ?? '',
      ),
    );
  }

  #needLeases(operation: string): void {
    if (!this.leases) {
      throw new TypeError(`${this.#name} has no run leases: no ${operation}()`);
    }
  }

  #checkFence(runId: string, lease: unknown): RunLease | undefined {
    if (lease === undefined) return undefined;
    if (!this.leases) {
      throw new TypeError(
        `options.lease needs a storage with leases; ${this.#name} has none`,
      );
    }
    return checkLease('options.lease', lease, runId);
  }
}
