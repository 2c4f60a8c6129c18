import { join } from 'node:path';
import { notQuarantinedError, storageError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { show } from '../../validate.js';
import { BaseStorage } from '../base-storage.js';
import { exists, listDir } from './file-io.js';
import { RUN_META, liveTimestamps, runDirName } from './file-layout.js';
import {
  exclusive,
  forgetLock,
  holdLock,
  releaseLock,
  verifyLock,
  type HeldLock,
} from './file-lock.js';
import { ensureRunMeta } from './file-meta.js';
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
  readSavepointFile,
  writeSavepointFile,
  type LockedRun,
} from './file-run.js';
import type {
  QuarantinedInfo,
  ReplaceOutcome,
  StoredSavepoint,
} from '../types.js';
import {
  listQuarantinedFiles,
  restoreSavepointFile,
} from './file-quarantine.js';
import { replaceSavepointFile } from './file-replace.js';

/** Re-reads of a newest savepoint pruned by another process meanwhile. */
const READ_ATTEMPTS = 10;

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
  readonly #config: FileConfig;
  readonly #logger: Logger;
  /** The run locks this storage uses, released by `close()`. */
  readonly #held = new Set<HeldLock>();

  /** No I/O: {@link FileStorage.open} does the setup. */
  private constructor(directory: string, config: FileConfig) {
    super({ name: 'FileStorage', readOnly: config.readOnly });
    this.directory = directory;
    this.#config = config;
    this.#logger = config.logger ?? silentLogger;
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
    return exists(join(this.#runDir(runId), RUN_META));
  }

  /** {@inheritDoc BaseStorage._initRun} */
  protected _initRun(runId: string): Promise<void> {
    return this.#locked(runId, true, () => Promise.resolve(), undefined);
  }

  /** {@inheritDoc BaseStorage._writeSavepoint} */
  protected _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
  ): Promise<void> {
    return this.#locked(
      runId,
      true,
      (run) => writeSavepointFile(run, savepoint, keep),
      undefined,
    );
  }

  /** {@inheritDoc BaseStorage._readSavepoint} */
  protected async _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): Promise<StoredSavepoint | undefined> {
    const dir = this.#runDir(runId);
    if (timestamp !== undefined) {
      return readSavepointFile(runId, dir, timestamp);
    }
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const newest = liveTimestamps(await listDir(dir)).at(-1);
      if (newest === undefined) return undefined;
      const savepoint = await readSavepointFile(runId, dir, newest);
      if (savepoint !== undefined) return savepoint;
    }
    throw new Error(
      `the newest savepoint of run ${JSON.stringify(runId)} was deleted ${READ_ATTEMPTS} times while being read`,
    );
  }

  /** {@inheritDoc BaseStorage._listSavepoints} */
  protected async _listSavepoints(runId: string): Promise<number[]> {
    return liveTimestamps(await listDir(this.#runDir(runId)));
  }

  /** {@inheritDoc BaseStorage._prune} */
  protected _prune(runId: string, keep: number): Promise<number> {
    return this.#locked(
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
    return this.#locked(
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
    return listQuarantinedFiles(runId, this.#runDir(runId));
  }

  /** {@inheritDoc BaseStorage._restoreSavepoint} */
  protected override async _restoreSavepoint(
    runId: string,
    timestamp: number,
  ): Promise<void> {
    const restored = await this.#locked(
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
    return this.#locked(
      runId,
      false,
      (run) => replaceSavepointFile(run, savepoint, expectVersion),
      'missing',
    );
  }
  /** {@inheritDoc BaseStorage._deleteRun} */
  protected _deleteRun(runId: string): Promise<boolean> {
    return this.#locked(
      runId,
      false,
      (run, lock) =>
        deleteRunDirectory(run, this.directory, () => {
          forgetLock(lock);
          this.#held.delete(lock);
        }),
      false,
    );
  }

  /** {@inheritDoc BaseStorage._listRuns} */
  protected _listRuns(): Promise<string[]> {
    return listRunIds(this.directory, this.#logger);
  }

  /** Releases this storage's run locks. */
  protected override async _close(): Promise<void> {
    const locks = [...this.#held];
    this.#held.clear();
    await Promise.all(
      locks.map((lock) => exclusive(lock.dir, () => releaseLock(lock, this))),
    );
  }

  #runDir(runId: string): string {
    return join(this.directory, runDirName(runId));
  }

  /**
   * Run `body` on the run's directory under its lock, after this process's
   * earlier writes to the run. Without `create`, a run that has no
   * directory resolves `missing` and takes no lock.
   */
  #locked<T>(
    runId: string,
    create: boolean,
    body: (run: LockedRun, lock: HeldLock) => Promise<T>,
    missing: T,
  ): Promise<T> {
    const dir = this.#runDir(runId);
    return exclusive(dir, async () => {
      const logger = this.#logger;
      const lock = await holdLock(dir, runId, this, { create, logger });
      if (lock === undefined) return missing;
      this.#held.add(lock);
      const run: LockedRun = {
        runId,
        dir,
        config: this.#config,
        logger,
        verify: () => verifyLock(lock, runId),
      };
      if (create && !lock.metaChecked) {
        await ensureRunMeta(run, this.directory);
        lock.metaChecked = true;
      }
      return body(run, lock);
    });
  }
}
