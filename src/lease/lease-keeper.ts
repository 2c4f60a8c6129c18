/**
 * One run's lease, held: taken (waiting for it if asked), renewed in the
 * background (one unref'd timer per storage and interval), released on close, and given up for good
 * once the storage reports it taken over.
 *
 * @packageDocumentation
 */
import {
  isRunStateError,
  storageError,
  type RunStateError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { RunLease, StorageAdapter } from '../storage/index.js';
import type { LeaseConfig } from './lease-options.js';
import { register, unregister, type Renewable } from './lease-renewer.js';

type Leasing = StorageAdapter &
  Required<
    Pick<StorageAdapter, 'acquireLease' | 'renewLease' | 'releaseLease'>
  >;

/**
 * Whether `storage` has run leases and is writable, so a store on it holds
 * one.
 *
 * @internal
 */
export function canLease(storage: StorageAdapter): boolean {
  return (
    storage.leases === true &&
    !storage.readOnly &&
    typeof storage.acquireLease === 'function' &&
    typeof storage.renewLease === 'function' &&
    typeof storage.releaseLease === 'function'
  );
}

const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds one run's lease for one owner.
 *
 * @internal
 */
export class LeaseKeeper implements Renewable {
  readonly #storage: Leasing;
  readonly #runId: string;
  readonly #config: LeaseConfig;
  readonly #logger: Logger;
  readonly #onLost: (error: RunStateError) => void;
  #lease: RunLease | undefined;
  #lost: RunStateError | undefined;
  #renewing: Promise<void> | undefined;
  #registered = false;
  #released = false;

  /**
   * @param storage - a storage for which {@link canLease} holds
   * @param onLost - told once, when the lease turns out taken over
   */
  constructor(
    storage: StorageAdapter,
    runId: string,
    config: LeaseConfig,
    logger: Logger,
    onLost: (error: RunStateError) => void,
  ) {
    this.#storage = storage as Leasing;
    this.#runId = runId;
    this.#config = config;
    this.#logger = logger;
    this.#onLost = onLost;
  }

  /** The lease to fence writes with, once acquired. */
  get current(): RunLease | undefined {
    return this.#lease;
  }

  /** The `E_FENCED` error, once the lease was found taken over. */
  get lost(): RunStateError | undefined {
    return this.#lost;
  }

  /**
   * Take the lease (or renew it, when held), retrying on `E_LOCKED` for up
   * to `waitMs`, then keep renewing it.
   *
   * @throws `E_LOCKED` when another owner still holds it; `E_FENCED` once
   * lost; storage errors.
   */
  async acquire(): Promise<RunLease> {
    if (this.#lost !== undefined) throw this.#lost;
    const { owner, ttlMs, waitMs } = this.#config;
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        this.#lease = await this.#storage.acquireLease(this.#runId, {
          owner,
          ttlMs,
        });
        break;
      } catch (error) {
        const left = deadline - Date.now();
        if (left <= 0 || !this.#retryable(error)) throw error;
        await pause(Math.min(left, Math.max(10, ttlMs / 10)));
      }
    }
    this.#logger.debug(
      { runId: this.#runId, owner, token: this.#lease.token },
      'run lease acquired',
    );
    this.#schedule();
    return this.#lease;
  }

  /**
   * While waiting: a held run (`E_LOCKED`), or a storage failure such as a
   * busy SQLite file whose holder was stopped mid-write (logged).
   */
  #retryable(error: unknown): boolean {
    if (isRunStateError(error, 'E_LOCKED')) return true;
    if (!isRunStateError(error, 'E_STORAGE')) return false;
    this.#logger.warn(
      { runId: this.#runId, err: error },
      'run lease acquisition failed; retrying while waiting',
    );
    return true;
  }

  /** Note an `E_FENCED` a write met: stop renewing, tell `onLost` once. */
  fenced(error: RunStateError): void {
    if (this.#lost !== undefined) return;
    this.#lost = error;
    this.#stop();
    this.#logger.warn(
      {
        runId: this.#runId,
        owner: this.#config.owner,
        token: this.#lease?.token,
      },
      'run lease taken over: this store stops',
    );
    this.#onLost(error);
  }

  /**
   * Stop renewing and free the run at once (unless lost). Idempotent. A
   * failure is logged: the lease then expires after its TTL.
   */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#stop();
    await this.#renewing;
    const lease = this.#lease;
    if (lease === undefined || this.#lost !== undefined) return;
    try {
      await this.#storage.releaseLease(lease);
    } catch (error) {
      this.#logger.warn(
        { runId: this.#runId, err: storageError(error, 'releaseLease') },
        'run lease not released: it expires after its TTL',
      );
    }
  }

  #schedule(): void {
    if (this.#registered || this.#released) return;
    this.#registered = true;
    register(this.#storage, this.#config.renewEveryMs, this);
  }

  /**
   * Give the run back after a failed init or load: stop renewing and free
   * the lease, so other stores may take the run and this (still
   * uninitialised) store may try again. Never throws; a failure to free it
   * is logged and the lease expires after its TTL.
   */
  async giveBack(): Promise<void> {
    this.#stop();
    await this.#renewing;
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease === undefined || this.#lost !== undefined) return;
    try {
      await this.#storage.releaseLease(lease);
    } catch (error) {
      this.#logger.warn(
        { runId: this.#runId, err: storageError(error, 'releaseLease') },
        'run lease not released: it expires after its TTL',
      );
    }
  }

  /** Renew once (the shared timer's tick); never throws. @internal */
  renew(): Promise<void> {
    this.#renewing ??= this.#renew().finally(() => {
      this.#renewing = undefined;
    });
    return this.#renewing;
  }

  async #renew(): Promise<void> {
    const lease = this.#lease;
    if (lease === undefined || this.#released || this.#lost !== undefined)
      return;
    try {
      await this.#storage.renewLease(lease, this.#config.ttlMs);
    } catch (error) {
      if (isRunStateError(error, 'E_FENCED')) return this.fenced(error);
      // Transient (connection lost…): retry at the next tick. Writes stay
      // safe meanwhile: each one checks the token itself.
      this.#logger.warn(
        { runId: this.#runId, err: storageError(error, 'renewLease') },
        'run lease renewal failed; retrying',
      );
    }
  }

  #stop(): void {
    if (!this.#registered) return;
    this.#registered = false;
    unregister(this.#storage, this.#config.renewEveryMs, this);
  }
}
