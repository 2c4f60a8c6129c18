/**
 * The run-lease half of `BaseStorage`: `acquireLease`, `renewLease`,
 * `releaseLease` and `listLeases` through the storage's operation gate,
 * and the check of a write's fencing lease.
 *
 * @packageDocumentation
 */
import { ensureError } from '../errors.js';
import { checkPositiveInteger, show } from '../validate.js';
import type { MaybePromise } from './base-storage-options.js';
import { checkLease, checkLeaseRequest } from './lease-rules.js';
import {
  NO_RUN,
  READ,
  WRITE,
  type Details,
  type OperationGate,
} from './operation-gate.js';
import type { LeaseInfo, LeaseRequest, RunLease } from './types.js';

/**
 * A storage's lease hooks (`BaseStorage._acquireLease` and the others),
 * called on the storage itself, so a subclass's `this` is intact.
 *
 * @internal
 */
export interface LeaseHooks {
  _acquireLease?(runId: string, request: LeaseRequest): MaybePromise<RunLease>;
  _renewLease?(lease: RunLease, ttlMs: number): MaybePromise<void>;
  _releaseLease?(lease: RunLease): MaybePromise<void>;
  _listLeases?(prefix: string): MaybePromise<LeaseInfo[]>;
}

type Hook<K extends keyof LeaseHooks> = NonNullable<LeaseHooks[K]>;

/**
 * The lease operations of one storage: argument checks, the "no leases"
 * refusal, then the hook, through the storage's gate.
 *
 * @internal
 */
export class LeaseCalls {
  readonly #gate: OperationGate;
  readonly #name: string;
  readonly #storage: LeaseHooks;
  /** Whether the storage has run leases (it implements all three hooks). */
  readonly enabled: boolean;

  constructor(gate: OperationGate, name: string, storage: LeaseHooks) {
    this.#gate = gate;
    this.#name = name;
    this.#storage = storage;
    // All three hooks, or none: a partial set is not a lease capability.
    this.enabled =
      typeof storage._acquireLease === 'function' &&
      typeof storage._renewLease === 'function' &&
      typeof storage._releaseLease === 'function';
  }

  /** `BaseStorage.acquireLease`. */
  acquire(runId: string, request: LeaseRequest): Promise<RunLease> {
    let checked: LeaseRequest | undefined;
    const check = (): Details => {
      this.#need('acquireLease');
      checked = checkLeaseRequest('request', request);
      return { owner: checked.owner };
    };
    return this.#gate.start('acquireLease', WRITE, runId, check, () =>
      (this.#storage._acquireLease as Hook<'_acquireLease'>)(
        runId,
        checked as LeaseRequest,
      ),
    );
  }

  /** `BaseStorage.renewLease`. */
  renew(lease: RunLease, ttlMs: number): Promise<void> {
    const check = (): Details => {
      this.#need('renewLease');
      return {
        token: lease.token,
        ttlMs: checkPositiveInteger('ttlMs', ttlMs),
      };
    };
    return this.#onLease('renewLease', lease, check, () =>
      (this.#storage._renewLease as Hook<'_renewLease'>)(lease, ttlMs),
    );
  }

  /** `BaseStorage.releaseLease`. */
  release(lease: RunLease): Promise<void> {
    const check = (): Details => {
      this.#need('releaseLease');
      return { token: lease.token };
    };
    return this.#onLease('releaseLease', lease, check, () =>
      (this.#storage._releaseLease as Hook<'_releaseLease'>)(lease),
    );
  }

  /** `BaseStorage.listLeases`, where the storage has `_listLeases`. */
  list(prefix: unknown): Promise<LeaseInfo[]> {
    const check = (): Details => {
      if (prefix !== undefined && typeof prefix !== 'string') {
        throw new TypeError(`prefix must be a string, got ${show(prefix)}`);
      }
      return { prefix };
    };
    return this.#gate.start('listLeases', READ, NO_RUN, check, () =>
      (this.#storage._listLeases as Hook<'_listLeases'>)(
        (prefix as string | undefined) ?? '',
      ),
    );
  }

  /**
   * The fencing lease of a write (`options.lease`), checked: `undefined`
   * when there is none.
   *
   * @throws `TypeError` when the storage has no leases or the lease is bad.
   */
  checkFence(runId: string, lease: unknown): RunLease | undefined {
    if (lease === undefined) return undefined;
    if (!this.enabled) {
      throw new TypeError(
        `options.lease needs a storage with leases; ${this.#name} has none`,
      );
    }
    return checkLease('options.lease', lease, runId);
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

  #need(operation: string): void {
    if (!this.enabled) {
      throw new TypeError(`${this.#name} has no run leases: no ${operation}()`);
    }
  }
}
