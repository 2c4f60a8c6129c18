/**
 * Run leases kept in a `Map`, for backends whose lease rows live in this
 * process: the memory backend, and the file backend under its process
 * lock.
 *
 * @packageDocumentation
 */
import {
  decideAcquire,
  fencedError,
  isCurrent,
  leaseLockedError,
  type LeaseRow,
} from './lease-rules.js';
import type { LeaseInfo, LeaseRequest, RunLease } from './types.js';

/** Leases by run id, on an injectable clock. @internal */
export class LeaseTable {
  readonly #rows = new Map<string, LeaseRow>();
  readonly #now: () => number;

  /** @param now - the clock (epoch ms) */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The stored row of `runId`. */
  get(runId: string): LeaseRow | undefined {
    return this.#rows.get(runId);
  }

  /** Store a row (a token read back from disk, say). */
  set(runId: string, row: LeaseRow): void {
    this.#rows.set(runId, row);
  }

  /** Take or renew, by {@link decideAcquire}; `E_LOCKED` while held. */
  acquire(runId: string, request: LeaseRequest): RunLease {
    const now = this.#now();
    const decision = decideAcquire(this.#rows.get(runId), request, now);
    if (!decision.granted) {
      const { owner, expiresAt } = decision.holder;
      throw leaseLockedError(runId, owner, expiresAt - now);
    }
    this.#rows.set(runId, decision.row);
    return { runId, owner: request.owner, token: decision.row.token };
  }

  /** Extend a current lease; `E_FENCED` otherwise. */
  renew(lease: RunLease, ttlMs: number): void {
    const row = this.check(lease, 'renewLease');
    this.#rows.set(lease.runId, { ...row, expiresAt: this.#now() + ttlMs });
  }

  /** Free a current lease (keeping its token); ignore a stale one. */
  release(lease: RunLease): void {
    const row = this.#rows.get(lease.runId);
    if (row === undefined || !isCurrent(row, lease)) return;
    this.#rows.set(lease.runId, { ...row, owner: undefined, expiresAt: 0 });
  }

  /** The row of a current lease; `E_FENCED` when it is not current. */
  check(lease: RunLease, operation: string): LeaseRow {
    const row = this.#rows.get(lease.runId);
    if (row === undefined || !isCurrent(row, lease)) {
      throw fencedError(lease, operation, row?.token);
    }
    return row;
  }

  /** The live leases of runs whose id starts with `prefix`, by run id. */
  list(prefix: string): LeaseInfo[] {
    const now = this.#now();
    return liveLeases(this.#rows, prefix, now);
  }

  /** Forget every lease. */
  clear(): void {
    this.#rows.clear();
  }
}

/**
 * The live leases among `rows` (by run id) whose run id starts with
 * `prefix`, sorted by run id (code units).
 *
 * @internal
 */
export function liveLeases(
  rows: Iterable<readonly [string, LeaseRow]>,
  prefix: string,
  now: number,
): LeaseInfo[] {
  const live: LeaseInfo[] = [];
  for (const [runId, row] of rows) {
    if (!runId.startsWith(prefix)) continue;
    if (row.owner === undefined || row.expiresAt <= now) continue;
    const { owner, token } = row;
    live.push({ runId, owner, token, expiresInMs: row.expiresAt - now });
  }
  return live.sort((a, b) =>
    a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0,
  );
}
