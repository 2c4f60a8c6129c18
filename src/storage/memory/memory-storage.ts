import { notMonotonicError } from '../../errors.js';
import {
  checkFunction,
  checkOptionalBoolean,
  checkOptions,
} from '../../validate.js';
import { BaseStorage } from '../base-storage.js';
import { settle } from '../check-savepoint.js';
import { LeaseTable } from '../lease-table.js';
import type {
  QuarantinedInfo,
  ReplaceOutcome,
  SavepointInfo,
  LeaseInfo,
  LeaseRequest,
  RunLease,
  StoredSavepoint,
} from '../types.js';
import {
  copyEntries,
  quarantineIn,
  quarantinedInfo,
  replaceIn,
  restoreIn,
  storedCopy,
  type RunData,
} from './memory-run.js';

/** Options of {@link MemoryStorage.open}. */
export interface MemoryStorageOptions {
  /**
   * Refuse every write with `E_READ_ONLY`.
   *
   * @defaultValue false
   */
  readonly readOnly?: boolean;
  /**
   * The clock of run leases (epoch ms), for tests of expiry.
   *
   * @defaultValue `Date.now`
   */
  readonly now?: () => number;
}

/**
 * Storage that keeps every savepoint in process memory.
 *
 * @remarks
 * The reference implementation of {@link StorageAdapter}: use it in tests,
 * for short-lived runs that need no crash recovery, and as the model for a
 * new backend. Bytes are copied on write and on read, so neither the writer
 * nor a reader can alias (and mutate) stored data. Nothing survives the
 * process; {@link MemoryStorage.close} drops everything.
 *
 * @example
 * ```ts
 * await using storage = await MemoryStorage.open();
 * await storage.writeSavepoint(
 *   'run-1',
 *   { timestamp: 60_000, entries: [['counter', new Uint8Array([1])]] },
 *   { keep: 2 },
 * );
 * const newest = await storage.readSavepoint('run-1'); // timestamp 60 000
 * ```
 *
 * @see {@link StorageAdapter} for the meaning of every method.
 */
export class MemoryStorage extends BaseStorage {
  readonly #runs = new Map<string, RunData>();
  readonly #leases: LeaseTable;

  /**
   * Create a storage without any I/O. Prefer {@link MemoryStorage.open},
   * which every backend offers.
   *
   * @param options - see {@link MemoryStorageOptions}
   * @throws `TypeError` when `options.readOnly` is not a boolean.
   */
  constructor(options: MemoryStorageOptions = {}) {
    checkOptions('options', options);
    if (options.now !== undefined) checkFunction('options.now', options.now);
    super({
      name: 'MemoryStorage',
      readOnly: checkOptionalBoolean(
        'options.readOnly',
        options.readOnly,
        false,
      ),
      serialWrites: false,
    });
    this.#leases = new LeaseTable(options.now);
  }

  /**
   * Open an empty in-memory storage.
   *
   * @param options - see {@link MemoryStorageOptions}
   * @throws `TypeError` for a bad option.
   * @example
   * ```ts
   * const storage = await MemoryStorage.open({ readOnly: false });
   * ```
   */
  static open(options?: MemoryStorageOptions): Promise<MemoryStorage> {
    return settle(() => new MemoryStorage(options));
  }

  /** {@inheritDoc BaseStorage._isInitialized} */
  protected _isInitialized(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /** {@inheritDoc BaseStorage._initRun} */
  protected _initRun(runId: string): void {
    this.#run(runId);
  }

  /** {@inheritDoc BaseStorage._writeSavepoint} */
  protected _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
    fence?: RunLease,
  ): void {
    if (fence !== undefined) this.#leases.check(fence, 'writeSavepoint');
    const { timestamp } = savepoint;
    const newest = this.#runs.get(runId)?.live.at(-1)?.timestamp;
    if (newest !== undefined && newest >= timestamp) {
      throw notMonotonicError(runId, timestamp, newest);
    }
    const run = this.#run(runId);
    run.live.push(storedCopy(savepoint));
    run.live.splice(0, Math.max(0, run.live.length - keep));
  }

  /** {@inheritDoc BaseStorage._readSavepoint} */
  protected _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): StoredSavepoint | undefined {
    const live = this.#runs.get(runId)?.live;
    const found =
      timestamp === undefined
        ? live?.at(-1)
        : live?.find((sp) => sp.timestamp === timestamp);
    return found === undefined
      ? undefined
      : {
          timestamp: found.timestamp,
          entries: copyEntries(found.entries),
          meta: structuredClone(found.meta),
        };
  }

  /** @internal */
  protected override _listSavepointInfo(
    runId: string,
  ): Promise<SavepointInfo[]> {
    const live = this.#runs.get(runId)?.live ?? [];
    return Promise.resolve(
      live.map((sp) => ({
        ...structuredClone(sp.meta),
        timestamp: sp.timestamp,
      })),
    );
  }

  /** @internal */
  protected override _replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    expectVersion: number,
  ): ReplaceOutcome {
    return replaceIn(this.#runs.get(runId), savepoint, expectVersion);
  }

  /** {@inheritDoc BaseStorage._newestTimestamp} */
  protected override _newestTimestamp(
    runId: string,
  ): Promise<number | undefined> {
    return Promise.resolve(this.#runs.get(runId)?.live.at(-1)?.timestamp);
  }

  /** {@inheritDoc BaseStorage._listSavepoints} */
  protected _listSavepoints(runId: string): number[] {
    return this.#runs.get(runId)?.live.map((sp) => sp.timestamp) ?? [];
  }

  /** {@inheritDoc BaseStorage._prune} */
  protected _prune(runId: string, keep: number): number {
    const live = this.#runs.get(runId)?.live ?? [];
    return live.splice(0, Math.max(0, live.length - keep)).length;
  }

  /** {@inheritDoc BaseStorage._quarantineSavepoint} */
  protected _quarantineSavepoint(runId: string, timestamp: number): void {
    quarantineIn(this.#runs.get(runId), timestamp);
  }

  /** @internal */
  protected override _listQuarantined(runId: string): QuarantinedInfo[] {
    return quarantinedInfo(this.#runs.get(runId));
  }

  /** @internal */
  protected override _restoreSavepoint(runId: string, timestamp: number) {
    restoreIn(this.#runs.get(runId), runId, timestamp);
  }

  /** {@inheritDoc BaseStorage._deleteRun} */
  protected _deleteRun(runId: string): boolean {
    return this.#runs.delete(runId);
  }

  /** {@inheritDoc BaseStorage._listRuns} */
  protected _listRuns(): string[] {
    return [...this.#runs.keys()].sort();
  }

  /** {@inheritDoc BaseStorage._acquireLease} */
  protected override _acquireLease(
    runId: string,
    request: LeaseRequest,
  ): RunLease {
    return this.#leases.acquire(runId, request);
  }

  /** {@inheritDoc BaseStorage._renewLease} */
  protected override _renewLease(lease: RunLease, ttlMs: number): void {
    this.#leases.renew(lease, ttlMs);
  }

  /** {@inheritDoc BaseStorage._releaseLease} */
  protected override _releaseLease(lease: RunLease): void {
    this.#leases.release(lease);
  }

  /** {@inheritDoc BaseStorage._listLeases} */
  protected override _listLeases(prefix: string): LeaseInfo[] {
    return this.#leases.list(prefix);
  }

  /** Drops every savepoint and lease. */
  protected override _close(): void {
    this.#runs.clear();
    this.#leases.clear();
  }

  #run(runId: string): RunData {
    let run = this.#runs.get(runId);
    if (run === undefined) {
      run = { live: [], quarantined: [] };
      this.#runs.set(runId, run);
    }
    return run;
  }
}
