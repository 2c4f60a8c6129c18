/**
 * The rules of run leases, shared by every backend: argument checks, the
 * `E_LOCKED`/`E_FENCED` errors, and the pure decision a backend without a
 * server-side language (memory, SQLite, files) applies to a stored lease
 * row inside its own lock or transaction.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';
import { checkId, checkPositiveInteger, show } from '../validate.js';
import type { LeaseRequest, RunLease } from './types.js';

/** A run's lease as a backend stores it. @internal */
export interface LeaseRow {
  /** The holder; `undefined` once released. */
  readonly owner: string | undefined;
  /** The newest token handed out for the run. */
  readonly token: number;
  /** When the lease expires (epoch ms on the backend's clock). */
  readonly expiresAt: number;
}

/** The outcome of an acquisition. @internal */
export type LeaseDecision =
  | { readonly granted: true; readonly row: LeaseRow }
  | { readonly granted: false; readonly holder: LeaseRow };

/**
 * Decide an acquisition: renew for the current unexpired holder (same
 * token), take over a free, released or expired lease (token + 1), refuse
 * while another owner's lease is live.
 *
 * @internal
 */
export function decideAcquire(
  row: LeaseRow | undefined,
  request: LeaseRequest,
  now: number,
): LeaseDecision {
  const expiresAt = now + request.ttlMs;
  const live = row?.owner !== undefined && row.expiresAt > now;
  if (row !== undefined && live && row.owner !== request.owner) {
    return { granted: false, holder: row };
  }
  const token = row !== undefined && live ? row.token : (row?.token ?? 0) + 1;
  return { granted: true, row: { owner: request.owner, token, expiresAt } };
}

/** Whether `lease` is the run's current lease as stored in `row`. @internal */
export function isCurrent(row: LeaseRow | undefined, lease: RunLease): boolean {
  return row?.owner === lease.owner && row.token === lease.token;
}

/** Check the request of `acquireLease`. @internal */
export function checkLeaseRequest(name: string, value: unknown): LeaseRequest {
  if (value === null || typeof value !== 'object') {
    throw new TypeError(
      `${name} must be an object like { owner: 'worker-1', ttlMs: 10000 }, got ${show(value)}`,
    );
  }
  const { owner, ttlMs } = value as Partial<LeaseRequest>;
  return {
    owner: checkId(`${name}.owner`, owner),
    ttlMs: checkPositiveInteger(`${name}.ttlMs`, ttlMs),
  };
}

/** Check a lease handed back (renew, release, fenced write). @internal */
export function checkLease(
  name: string,
  value: unknown,
  runId?: string,
): RunLease {
  const lease = value as Partial<RunLease> | null;
  if (lease === null || typeof lease !== 'object') {
    throw new TypeError(
      `${name} must be a lease from acquireLease(), got ${show(value)}`,
    );
  }
  checkId(`${name}.runId`, lease.runId);
  checkId(`${name}.owner`, lease.owner);
  checkPositiveInteger(`${name}.token`, lease.token);
  if (runId !== undefined && lease.runId !== runId) {
    throw new RangeError(
      `${name} is the lease of run ${JSON.stringify(lease.runId)}, not of ${JSON.stringify(runId)}`,
    );
  }
  return lease as RunLease;
}

/** `E_LOCKED`: another owner holds a live lease. @internal */
export function leaseLockedError(
  runId: string,
  owner: string | undefined,
  expiresInMs: number,
): RunStateError {
  return new RunStateError(
    'E_LOCKED',
    `run ${JSON.stringify(runId)} is leased by ${JSON.stringify(owner)} for another ${Math.max(0, expiresInMs)} ms`,
    { details: { runId, owner, expiresInMs: Math.max(0, expiresInMs) } },
  );
}

/** `E_FENCED`: the lease is no longer the run's current one. @internal */
export function fencedError(
  lease: RunLease,
  operation: string,
  current?: number,
): RunStateError {
  const by =
    current === undefined || current === lease.token
      ? 'released'
      : `taken over (token ${current})`;
  return new RunStateError(
    'E_FENCED',
    `${operation} of run ${JSON.stringify(lease.runId)} refused: lease token ${lease.token} of ${JSON.stringify(lease.owner)} was ${by}`,
    {
      details: {
        runId: lease.runId,
        owner: lease.owner,
        token: lease.token,
        current,
      },
    },
  );
}
