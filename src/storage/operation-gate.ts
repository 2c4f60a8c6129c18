/**
 * What `BaseStorage` does around every hook call: refuse calls once closed
 * (`E_CLOSED`) and writes on a read-only storage (`E_READ_ONLY`), check the
 * run id and the arguments, order each run's writes, track the operations
 * in flight for `close()`, and wrap what a hook throws as `E_STORAGE`.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError, storageError } from '../errors.js';
import { checkId } from '../validate.js';
import type { MaybePromise } from './base-storage-options.js';
import { OperationQueue } from './operation-queue.js';

/** What an operation's error reports besides its run id. @internal */
export type Details = Readonly<Record<string, unknown>>;

/** An operation without arguments to check. @internal */
export const noDetails = (): Details => ({});

/** Stands for the run id of an operation that has none (`listRuns`). @internal */
export const NO_RUN = Symbol('no run');

/** The `write` argument of {@link OperationGate.start}. @internal */
export const READ = false;
/** The `write` argument of {@link OperationGate.start}. @internal */
export const WRITE = true;

/** The settings of a gate, from `BaseStorageOptions` once checked. @internal */
export interface GateOptions {
  readonly name: string;
  readonly readOnly: boolean;
  readonly serialWrites: boolean;
}

/**
 * The state checks, ordering and close bookkeeping shared by every
 * operation of one storage instance.
 *
 * @internal
 */
export class OperationGate {
  readonly #name: string;
  readonly #readOnly: boolean;
  readonly #serialWrites: boolean;
  readonly #queue = new OperationQueue();
  #closing: Promise<void> | undefined;

  constructor({ name, readOnly, serialWrites }: GateOptions) {
    this.#name = name;
    this.#readOnly = readOnly;
    this.#serialWrites = serialWrites;
  }

  /** Whether {@link OperationGate.close} was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Check state and arguments, then run `body` (after the run's previous
   * write, for a serial write), tracked for `close()`, errors wrapped.
   */
  start<T>(
    operation: string,
    write: boolean,
    runId: string | typeof NO_RUN,
    check: () => Details,
    body: () => MaybePromise<T>,
  ): Promise<T> {
    try {
      this.#guard(operation, runId, write);
      const details = runId === NO_RUN ? check() : { runId, ...check() };
      const run = async (): Promise<T> => {
        try {
          return await body();
        } catch (error) {
          throw storageError(error, operation, details);
        }
      };
      return write && this.#serialWrites && runId !== NO_RUN
        ? this.#queue.serial(runId, run)
        : this.#queue.track(run());
    } catch (error) {
      return Promise.reject(ensureError(error));
    }
  }

  /**
   * Refuse new calls, wait for the operations in flight, then `release`
   * once. Idempotent: every call returns the same promise.
   */
  close(release: () => MaybePromise<void>): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue.drain();
      try {
        await release();
      } catch (error) {
        throw storageError(error, `closing ${this.#name}`);
      }
    })();
    return this.#closing;
  }

  #guard(
    operation: string,
    runId: string | typeof NO_RUN,
    write: boolean,
  ): void {
    if (this.#closing !== undefined) {
      throw new RunStateError('E_CLOSED', `${this.#name} is closed`);
    }
    if (write && this.#readOnly) {
      throw new RunStateError(
        'E_READ_ONLY',
        `${this.#name} was opened read-only; ${operation}() needs readOnly: false`,
        { details: { operation } },
      );
    }
    if (runId !== NO_RUN) checkId('runId', runId);
  }
}
