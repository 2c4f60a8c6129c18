import { join } from 'node:path';
import { notQuarantinedError, storageError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { show } from '../../validate.js';
import { BaseStorage } from '../base-storage.js';
import { exists, listDir } from './file-io.js';
import { RUN_META, liveTimestamps } from './file-layout.js';
import {
  checkFileOptions,
  type FileConfig,
  type FileStorageOptions,
} from './file-options.js';
import { listRunIds, prepareRoot } from './file-root.js';
import {
  deleteRunDirectory,
  pruneSavepointFiles,
  quarantineSavepointFile,
  readNewestSavepointFile,
  readSavepointFile,
  writeSavepointFile,
  type LockedRun,
} from './file-run.js';
import type {
  LeaseRequest,
  QuarantinedInfo,
  ReplaceOutcome,
  RunLease,
  StoredSavepoint,
} from '../types.js';
import {
  listQuarantinedFiles,
  restoreSavepointFile,
} from './file-quarantine.js';
import { replaceSavepointFile } from './file-replace.js';
import { settle } from '../check-savepoint.js';
import { fencedError } from '../lease-rules.js';
import {
  acquireFileLease,
  checkFileLease,
  releaseFileLease,
  renewFileLease,
} from './file-lease.js';
import { RunLocks } from './file-run-locks.js';

/**
 * Storage in plain files: a directory per run, one file per savepoint.
 *
 * @remarks
 * Each savepoint file is written crash-atomically (a temporary file,
 * fsync, rename, fsync of the directory); older savepoints are pruned only
 * once the new one is durable. Every file carries a checksummed header
 * naming its format version and compression, so files of every compression
 * are read alike and damage is reported as `E_CORRUPTED`. The layout and
 * the file format are documented in `docs/storage-file.md`.
 *
 * One process writes a run: its first write takes the run's `lock` file,
 * released by {@link FileStorage.close}. Another live process writing the
 * same run gets `E_LOCKED`; a lock left by a dead process (on this host) is
 * taken over. Storages of one process share their locks. Use a local file
 * system (see the docs for NFS and containers).
 *
 * Besides the codes of every storage, its methods reject with `E_LOCKED`
 * (a write to a run another live process writes, or whose lock was taken
 * from this one), `E_CORRUPTED` (`readSavepoint` of a damaged or truncated
 * file, never reported as missing), `E_FORMAT_VERSION` (a file of a newer
 * format) and `E_STORAGE` (a failed file-system call, as `cause`).
 *
 * @example
 * ```ts
 * import { FileStorage } from 'runstate/file';
 *
 * await using storage = await FileStorage.open({ directory: 'state' });
 * await storage.writeSavepoint(
 *   'run-1',
 *   { timestamp: 60_000, entries: [['counter', new Uint8Array([1])]] },
 *   { keep: 2 },
 * );
 * ```
 *
 * @see {@link StorageAdapter} for the meaning of every method.
 */
export class FileStorage extends BaseStorage {
  /** The root directory, an absolute path. */
  readonly directory: string;
  readonly #logger: Logger;
  /** The run locks this storage uses, released by `close()`. */
  readonly #locks: RunLocks;

  /** No I/O: {@link FileStorage.open} does the setup. */
  private constructor(directory: string, config: FileConfig) {
    super({ name: 'FileStorage', readOnly: config.readOnly });
    this.directory = directory;
    this.#logger = config.logger ?? silentLogger;
    this.#locks = new RunLocks(directory, config, this.#logger, this);
  }

  /**
   * Open a root directory of runs.
   *
   * @remarks
   * A writable open creates the directory (with its parents) when missing
   * and removes what an interrupted `deleteRun` left. A read-only open does
   * no I/O at all: a missing directory reads as empty.
   *
   * @param options - see {@link FileStorageOptions}
   * @throws `TypeError`/`RangeError` for bad options (naming the option);
   * `E_STORAGE` when the directory cannot be created (the error, with its
   * `code` such as `EACCES` or `ENOTDIR`, is the `cause`).
   * @example
   * ```ts
   * const storage = await FileStorage.open({
   *   directory: '/var/lib/my-app/state',
   *   compression: 'gzip',
   * });
   * ```
   */
  static async open(options: FileStorageOptions): Promise<FileStorage> {
    const config = checkFileOptions(options);
    let { directory } = config;
    if (!config.readOnly) {
      try {
        directory = await prepareRoot(config);
      } catch (error) {
        throw storageError(error, `opening directory ${show(directory)}`, {
          directory,
        });
      }
    }
    const storage = new FileStorage(directory, config);
    storage.#logger.debug(
      { directory, readOnly: config.readOnly, compression: config.compression },
      'runstate file storage opened',
    );
    return storage;
  }

  /** {@inheritDoc BaseStorage._isInitialized} */
  protected _isInitialized(runId: string): Promise<boolean> {
    return exists(join(this.#locks.runDir(runId), RUN_META));
  }

  /** {@inheritDoc BaseStorage._initRun} */
  protected _initRun(runId: string): Promise<void> {
    return this.#locks.locked(runId, true, () => Promise.resolve(), undefined);
  }

  /** {@inheritDoc BaseStorage._writeSavepoint} */
  protected _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
    fence?: RunLease,
  ): Promise<void> {
    return this.#locks.locked(
      runId,
      true,
      (run) => {
        if (fence !== undefined) checkFileLease(run, fence);
        return writeSavepointFile(run, savepoint, keep);
      },
      undefined,
    );
  }

  /** {@inheritDoc BaseStorage._acquireLease} */
  protected override _acquireLease(
    runId: string,
    request: LeaseRequest,
  ): Promise<RunLease> {
    const body = (run: LockedRun): Promise<RunLease> =>
      acquireFileLease(run, request);
    return this.#locks.locked(runId, true, body, undefined as never);
  }

  /** {@inheritDoc BaseStorage._renewLease} */
  protected override async _renewLease(
    lease: RunLease,
    ttlMs: number,
  ): Promise<void> {
    const body = (run: LockedRun): Promise<boolean> =>
      settle(() => renewFileLease(run, lease, ttlMs)).then(() => true);
    // No run directory: the run was deleted, and its lease with it.
    if (!(await this.#locks.locked(lease.runId, false, body, false))) {
      throw fencedError(lease, 'renewLease');
    }
  }

  /** {@inheritDoc BaseStorage._releaseLease} */
  protected override _releaseLease(lease: RunLease): Promise<void> {
    const body = (run: LockedRun): Promise<void> =>
      settle(() => releaseFileLease(run, lease));
    return this.#locks.locked(lease.runId, false, body, undefined);
  }

  /** {@inheritDoc BaseStorage._readSavepoint} */
  protected async _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): Promise<StoredSavepoint | undefined> {
    const dir = this.#locks.runDir(runId);
    return timestamp === undefined
      ? readNewestSavepointFile(runId, dir)
      : readSavepointFile(runId, dir, timestamp);
  }

  /** {@inheritDoc BaseStorage._listSavepoints} */
  protected async _listSavepoints(runId: string): Promise<number[]> {
    return liveTimestamps(await listDir(this.#locks.runDir(runId)));
  }

  /** {@inheritDoc BaseStorage._prune} */
  protected _prune(runId: string, keep: number): Promise<number> {
    return this.#locks.locked(
      runId,
      false,
      (run) => pruneSavepointFiles(run, keep),
      0,
    );
  }

  /** {@inheritDoc BaseStorage._quarantineSavepoint} */
  protected _quarantineSavepoint(
    runId: string,
    timestamp: number,
  ): Promise<void> {
    return this.#locks.locked(
      runId,
      false,
      (run) => quarantineSavepointFile(run, timestamp),
      undefined,
    );
  }

  /** {@inheritDoc BaseStorage._listQuarantined} */
  protected override _listQuarantined(
    runId: string,
  ): Promise<QuarantinedInfo[]> {
    return listQuarantinedFiles(runId, this.#locks.runDir(runId));
  }

  /** {@inheritDoc BaseStorage._restoreSavepoint} */
  protected override async _restoreSavepoint(
    runId: string,
    timestamp: number,
  ): Promise<void> {
    const restored = await this.#locks.locked(
      runId,
      false,
      (run) => restoreSavepointFile(run, timestamp).then(() => true),
      false,
    );
    if (!restored) throw notQuarantinedError(runId, timestamp);
  }

  /** {@inheritDoc BaseStorage._replaceSavepoint} */
  protected override _replaceSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    expectVersion: number,
  ): Promise<ReplaceOutcome> {
    return this.#locks.locked(
      runId,
      false,
      (run) => replaceSavepointFile(run, savepoint, expectVersion),
      'missing',
    );
  }
  /** {@inheritDoc BaseStorage._deleteRun} */
  protected _deleteRun(runId: string): Promise<boolean> {
    return this.#locks.locked(
      runId,
      false,
      (run, lock) =>
        deleteRunDirectory(run, this.directory, () => this.#locks.forget(lock)),
      false,
    );
  }

  /** {@inheritDoc BaseStorage._listRuns} */
  protected _listRuns(): Promise<string[]> {
    return listRunIds(this.directory, this.#logger);
  }

  /** Releases this storage's run locks. */
  protected override _close(): Promise<void> {
    return this.#locks.releaseAll();
  }
}
