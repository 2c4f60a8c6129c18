/**
 * The run locks one `FileStorage` holds: running an operation on a run
 * directory under its lock (taking it, and writing the run's metadata on
 * first use), and releasing them all on `close()`.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import type { Logger } from '../../logger.js';
import { runDirName } from './file-layout.js';
import {
  exclusive,
  forgetLock,
  holdLock,
  releaseLock,
  verifyLock,
  type HeldLock,
} from './file-lock.js';
import { ensureRunMeta } from './file-meta.js';
import type { FileConfig } from './file-options.js';
import type { LockedRun } from './file-run.js';

/** The run locks of one storage (`owner`). @internal */
export class RunLocks {
  readonly #directory: string;
  readonly #config: FileConfig;
  readonly #logger: Logger;
  readonly #owner: object;
  /** The run locks the storage uses, released by `releaseAll()`. */
  readonly #held = new Set<HeldLock>();

  /**
   * @param directory - the storage's root directory
   * @param owner - the storage: the locks' owner within this process
   */
  constructor(
    directory: string,
    config: FileConfig,
    logger: Logger,
    owner: object,
  ) {
    this.#directory = directory;
    this.#config = config;
    this.#logger = logger;
    this.#owner = owner;
  }

  /** The run's directory. */
  runDir(runId: string): string {
    return join(this.#directory, runDirName(runId));
  }

  /**
   * Run `body` on the run's directory under its lock, after this process's
   * earlier writes to the run. Without `create`, a run that has no
   * directory resolves `missing` and takes no lock.
   */
  locked<T>(
    runId: string,
    create: boolean,
    body: (run: LockedRun, lock: HeldLock) => Promise<T>,
    missing: T,
  ): Promise<T> {
    const dir = this.runDir(runId);
    return exclusive(dir, async () => {
      const logger = this.#logger;
      const lock = await holdLock(dir, runId, this.#owner, { create, logger });
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
        await ensureRunMeta(run, this.#directory);
        lock.metaChecked = true;
      }
      return body(run, lock);
    });
  }

  /** Drop a lock whose run directory was deleted. */
  forget(lock: HeldLock): void {
    forgetLock(lock);
    this.#held.delete(lock);
  }

  /** Release every lock held (for `close()`). */
  async releaseAll(): Promise<void> {
    const locks = [...this.#held];
    this.#held.clear();
    await Promise.all(
      locks.map((lock) =>
        exclusive(lock.dir, () => releaseLock(lock, this.#owner)),
      ),
    );
  }
}
