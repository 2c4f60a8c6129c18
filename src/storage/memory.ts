/**
 * The in-memory storage backend: the reference implementation of the
 * storage contract.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';
import {
  checkId,
  checkOptions,
  checkPositiveInteger,
  checkTimestamp,
  show,
} from '../validate.js';
import {
  checkSavepoint,
  checkWriteOptions,
  settle,
} from './check-savepoint.js';
import type {
  StorageAdapter,
  StoredEntry,
  StoredSavepoint,
  WriteSavepointOptions,
} from './types.js';

/** Options of {@link MemoryStorage.open}. */
export interface MemoryStorageOptions {
  /**
   * Refuse every write with `E_READ_ONLY`.
   *
   * @defaultValue false
   */
  readonly readOnly?: boolean;
}

interface StoredCopy {
  readonly timestamp: number;
  readonly entries: readonly StoredEntry[];
}

interface RunData {
  /** Live savepoints, ascending by timestamp. */
  readonly live: StoredCopy[];
  /** Savepoints moved aside by `quarantineSavepoint`, kept for inspection. */
  readonly quarantined: StoredCopy[];
}

function copyEntries(entries: readonly StoredEntry[]): StoredEntry[] {
  return entries.map(([id, bytes]) => [id, new Uint8Array(bytes)] as const);
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
export class MemoryStorage implements StorageAdapter {
  /** Whether this instance refuses writes (`E_READ_ONLY`). */
  readonly readOnly: boolean;
  readonly #runs = new Map<string, RunData>();
  #closing: Promise<void> | undefined;

  /**
   * Create a storage without any I/O. Prefer {@link MemoryStorage.open},
   * which every backend offers.
   *
   * @param options - see {@link MemoryStorageOptions}
   * @throws `TypeError` when `options.readOnly` is not a boolean.
   */
  constructor(options: MemoryStorageOptions = {}) {
    checkOptions('options', options);
    const readOnly = options.readOnly ?? false;
    if (typeof readOnly !== 'boolean') {
      throw new TypeError(
        `options.readOnly must be a boolean, got ${show(readOnly)}`,
      );
    }
    this.readOnly = readOnly;
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

  /** {@inheritDoc StorageAdapter.isInitialized} */
  isInitialized(runId: string): Promise<boolean> {
    return settle(() => {
      this.#assertOpen();
      return this.#runs.has(checkId('runId', runId));
    });
  }

  /** {@inheritDoc StorageAdapter.initRun} */
  initRun(runId: string): Promise<void> {
    return settle(() => {
      this.#assertWritable();
      this.#run(checkId('runId', runId));
    });
  }

  /** {@inheritDoc StorageAdapter.writeSavepoint} */
  writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void> {
    return settle(() => {
      this.#assertWritable();
      const newest = this.#live(runId)?.at(-1)?.timestamp;
      const { timestamp, entries } = checkSavepoint('savepoint', savepoint);
      const keep = checkWriteOptions('options', options);
      if (newest !== undefined && newest >= timestamp) {
        throw new RunStateError(
          'E_NOT_MONOTONIC',
          `savepoint ${timestamp} of run ${JSON.stringify(runId)} is not newer than the newest persisted one (${newest})`,
          { details: { runId, timestamp, newest } },
        );
      }
      const run = this.#run(runId);
      run.live.push({ timestamp, entries: copyEntries(entries) });
      run.live.splice(0, Math.max(0, run.live.length - keep));
    });
  }

  /** {@inheritDoc StorageAdapter.readSavepoint} */
  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    return settle(() => {
      const live = this.#live(runId);
      if (timestamp !== undefined) checkTimestamp('timestamp', timestamp);
      const found =
        timestamp === undefined
          ? live?.at(-1)
          : live?.find((sp) => sp.timestamp === timestamp);
      return found === undefined
        ? undefined
        : { timestamp: found.timestamp, entries: copyEntries(found.entries) };
    });
  }

  /** {@inheritDoc StorageAdapter.newestTimestamp} */
  newestTimestamp(runId: string): Promise<number | undefined> {
    return settle(() => this.#live(runId)?.at(-1)?.timestamp);
  }

  /** {@inheritDoc StorageAdapter.listSavepoints} */
  listSavepoints(runId: string): Promise<number[]> {
    return settle(() => this.#live(runId)?.map((sp) => sp.timestamp) ?? []);
  }

  /** {@inheritDoc StorageAdapter.prune} */
  prune(runId: string, keep: number): Promise<number> {
    return settle(() => {
      this.#assertWritable();
      const live = this.#live(runId) ?? [];
      checkPositiveInteger('keep', keep);
      return live.splice(0, Math.max(0, live.length - keep)).length;
    });
  }

  /** {@inheritDoc StorageAdapter.quarantineSavepoint} */
  quarantineSavepoint(runId: string, timestamp: number): Promise<void> {
    return settle(() => {
      this.#assertWritable();
      checkId('runId', runId);
      checkTimestamp('timestamp', timestamp);
      const run = this.#runs.get(runId);
      const index = run?.live.findIndex((sp) => sp.timestamp === timestamp);
      if (run === undefined || index === undefined || index < 0) return;
      run.quarantined.push(...run.live.splice(index, 1));
    });
  }

  /** {@inheritDoc StorageAdapter.deleteRun} */
  deleteRun(runId: string): Promise<boolean> {
    return settle(() => {
      this.#assertWritable();
      return this.#runs.delete(checkId('runId', runId));
    });
  }

  /** {@inheritDoc StorageAdapter.listRuns} */
  listRuns(): Promise<string[]> {
    return settle(() => {
      this.#assertOpen();
      return [...this.#runs.keys()].sort();
    });
  }

  /**
   * Drop every savepoint and refuse further calls with `E_CLOSED`.
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= settle(() => this.#runs.clear());
    return this.#closing;
  }

  /** Same as {@link MemoryStorage.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new RunStateError('E_CLOSED', 'MemoryStorage is closed');
    }
  }

  #assertWritable(): void {
    this.#assertOpen();
    if (this.readOnly) {
      throw new RunStateError(
        'E_READ_ONLY',
        'MemoryStorage was opened read-only; open it with readOnly: false to write',
      );
    }
  }

  /** Check open and `runId`, then the run's live savepoints. */
  #live(runId: string): StoredCopy[] | undefined {
    this.#assertOpen();
    return this.#runs.get(checkId('runId', runId))?.live;
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
