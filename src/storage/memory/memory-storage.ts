import { notMonotonicError, notQuarantinedError } from '../../errors.js';
import { checkOptions } from '../../validate.js';
import { BaseStorage } from '../base-storage.js';
import { settle } from '../check-savepoint.js';
import { metaOf } from '../savepoint-meta.js';
import type {
  QuarantinedInfo,
  ReplaceOutcome,
  SavepointInfo,
  SavepointMeta,
  StoredEntry,
  StoredSavepoint,
} from '../types.js';

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
  readonly meta: SavepointMeta;
  /** When it was quarantined (quarantined copies only). */
  readonly quarantinedAt?: number;
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
export class MemoryStorage extends BaseStorage {
  readonly #runs = new Map<string, RunData>();

  /**
   * Create a storage without any I/O. Prefer {@link MemoryStorage.open},
   * which every backend offers.
   *
   * @param options - see {@link MemoryStorageOptions}
   * @throws `TypeError` when `options.readOnly` is not a boolean.
   */
  constructor(options: MemoryStorageOptions = {}) {
    checkOptions('options', options);
    super({
      name: 'MemoryStorage',
      readOnly: options.readOnly ?? false,
      serialWrites: false,
    });
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
  ): void {
    const { timestamp, entries } = savepoint;
    const newest = this.#runs.get(runId)?.live.at(-1)?.timestamp;
    if (newest !== undefined && newest >= timestamp) {
      throw notMonotonicError(runId, timestamp, newest);
    }
    const run = this.#run(runId);
    const meta = structuredClone(metaOf(savepoint));
    run.live.push({ timestamp, entries: copyEntries(entries), meta });
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
    const run = this.#runs.get(runId);
    const { timestamp, entries } = savepoint;
    const index = run?.live.findIndex((sp) => sp.timestamp === timestamp);
    if (run === undefined || index === undefined || index < 0) {
      return 'missing';
    }
    const old = run.live[index] as StoredCopy;
    if (old.meta.version !== expectVersion) return 'conflict';
    const meta = structuredClone(metaOf(savepoint));
    run.live[index] = { timestamp, entries: copyEntries(entries), meta };
    run.quarantined.push({ ...old, quarantinedAt: Date.now() });
    return 'replaced';
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
    const run = this.#runs.get(runId);
    const index = run?.live.findIndex((sp) => sp.timestamp === timestamp);
    if (run === undefined || index === undefined || index < 0) return;
    const [moved] = run.live.splice(index, 1) as [StoredCopy];
    run.quarantined.push({ ...moved, quarantinedAt: Date.now() });
  }

  /** @internal */
  protected override _listQuarantined(runId: string): QuarantinedInfo[] {
    const list = this.#runs.get(runId)?.quarantined ?? [];
    return list
      .map((sp) => ({
        ...structuredClone(sp.meta),
        timestamp: sp.timestamp,
        quarantinedAt: sp.quarantinedAt as number,
        entities: sp.entries.length,
        bytes: sp.entries.reduce((n, [, b]) => n + b.byteLength, 0),
      }))
      .sort((a, b) => a.timestamp - b.timestamp);
  }

  /** @internal */
  protected override _restoreSavepoint(runId: string, timestamp: number) {
    const run = this.#runs.get(runId);
    const index =
      run?.quarantined.findLastIndex((sp) => sp.timestamp === timestamp) ?? -1;
    if (run === undefined || index < 0) {
      throw notQuarantinedError(runId, timestamp);
    }
    const newest = run.live.at(-1)?.timestamp;
    if (newest !== undefined && newest >= timestamp) {
      throw notMonotonicError(runId, timestamp, newest);
    }
    const [moved] = run.quarantined.splice(index, 1) as [StoredCopy];
    const { timestamp: ts, entries, meta } = moved;
    run.live.push({ timestamp: ts, entries, meta });
  }

  /** {@inheritDoc BaseStorage._deleteRun} */
  protected _deleteRun(runId: string): boolean {
    return this.#runs.delete(runId);
  }

  /** {@inheritDoc BaseStorage._listRuns} */
  protected _listRuns(): string[] {
    return [...this.#runs.keys()].sort();
  }

  /** Drops every savepoint. */
  protected override _close(): void {
    this.#runs.clear();
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
