/**
 * Run leases of the SQLite backend: the `runstate_leases` table, created by
 * its own idempotent step (outside the versioned savepoint schema, so
 * databases written by older versions stay readable by them), and the
 * fenced write: the lease check and the savepoint write in one
 * `BEGIN IMMEDIATE` transaction.
 *
 * @packageDocumentation
 */
import {
  decideAcquire,
  fencedError,
  isCurrent,
  leaseLockedError,
  type LeaseRow,
} from '../lease-rules.js';
import { liveLeases } from '../lease-table.js';
import type { LeaseInfo, LeaseRequest, RunLease } from '../types.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/**
 * The lease table. Tokens are kept when a lease is released (owner NULL)
 * and when the run is deleted, so they only ever grow.
 *
 * @internal
 */
export const LEASE_TABLE = `
CREATE TABLE IF NOT EXISTS runstate_leases (
  run_id     TEXT PRIMARY KEY,
  owner      TEXT,
  token      INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
)`;

interface Row {
  owner: string | null;
  token: number;
  expires_at: number;
}

/**
 * Create the lease table when missing (`IF NOT EXISTS` in one statement:
 * safe when processes open the file at once).
 *
 * @internal
 */
export function createLeaseTable(db: SqliteDatabase): void {
  db.exec(LEASE_TABLE);
}

/** Whether the database has the lease table (a read-only one may not). @internal */
export function hasLeaseTable(db: SqliteDatabase): boolean {
  const found = db
    .prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runstate_leases'",
    )
    .get();
  return found !== undefined;
}

/** The lease statements of one connection. @internal */
export class SqliteLeases {
  readonly #db: SqliteDatabase;
  readonly #select: SqliteStatement;
  readonly #upsert: SqliteStatement;
  readonly #now: () => number;

  /**
   * @param db - a writable connection with the lease table
   * @param now - the clock (epoch ms): every process on the file must
   *   share it, as processes of one machine do
   */
  constructor(db: SqliteDatabase, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#select = db
      .prepare(
        'SELECT owner, token, expires_at FROM runstate_leases WHERE run_id = ?',
      )
      .safeIntegers(false);
    this.#upsert = db.prepare(
      'INSERT INTO runstate_leases (run_id, owner, token, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, token = excluded.token, expires_at = excluded.expires_at',
    );
  }

  /**
   * Run a lease-only transaction without waiting for the disk
   * (`synchronous = NORMAL` for its commit, then the setting as it was).
   * Safe: SQLite processes share one machine, so a crash that loses a
   * lease change also killed every process that could hold that lease;
   * and the next savepoint's synced commit makes it durable anyway.
   */
  #unsynced<T>(body: () => T): T {
    const before = this.#db.pragma('synchronous', { simple: true });
    if (typeof before !== 'number' || before < 2) return body();
    this.#db.pragma('synchronous = NORMAL');
    try {
      return body();
    } finally {
      this.#db.pragma(`synchronous = ${before}`);
    }
  }

  /** Take or renew the lease, in one immediate transaction. */
  acquire(runId: string, request: LeaseRequest): RunLease {
    return this.#unsynced(() => this.#acquire(runId, request));
  }

  #acquire(runId: string, request: LeaseRequest): RunLease {
    return this.#db
      .transaction(() => {
        const now = this.#now();
        const decision = decideAcquire(this.#row(runId), request, now);
        if (!decision.granted) {
          const { owner, expiresAt } = decision.holder;
          throw leaseLockedError(runId, owner, expiresAt - now);
        }
        this.#store(runId, decision.row);
        return { runId, owner: request.owner, token: decision.row.token };
      })
      .immediate();
  }

  /** Extend a current lease; `E_FENCED` otherwise. */
  renew(lease: RunLease, ttlMs: number): void {
    this.#unsynced(() =>
      this.fenced(lease, 'renewLease', (row) =>
        this.#store(lease.runId, { ...row, expiresAt: this.#now() + ttlMs }),
      ),
    );
  }

  /** Free a current lease, keeping its token; ignore a stale one. */
  release(lease: RunLease): void {
    this.#unsynced(() =>
      this.#db
        .transaction(() => {
          const row = this.#row(lease.runId);
          if (row === undefined || !isCurrent(row, lease)) return;
          this.#store(lease.runId, { ...row, owner: undefined, expiresAt: 0 });
        })
        .immediate(),
    );
  }

  /**
   * Run `body` in one immediate transaction after checking that `lease` is
   * current (`E_FENCED` otherwise, and `body` does not run). A transaction
   * `body` opens nests as a savepoint, so it commits with the check.
   */
  fenced<T>(lease: RunLease, operation: string, body: (row: LeaseRow) => T): T {
    return this.#db
      .transaction(() => {
        const row = this.#row(lease.runId);
        if (row === undefined || !isCurrent(row, lease)) {
          throw fencedError(lease, operation, row?.token);
        }
        return body(row);
      })
      .immediate();
  }

  /** The live leases of runs whose id starts with `prefix`, by run id. */
  list(prefix: string): LeaseInfo[] {
    const now = this.#now();
    const rows = this.#db
      .prepare(
        'SELECT run_id, owner, token, expires_at FROM runstate_leases WHERE owner IS NOT NULL AND expires_at > ? AND substr(run_id, 1, ?) = ?',
      )
      .safeIntegers(false)
      .all(now, prefix.length, prefix) as (Row & { run_id: string })[];
    return liveLeases(
      rows.map((r) => [r.run_id, this.#toRow(r)] as const),
      prefix,
      now,
    );
  }

  #toRow(row: Row): LeaseRow {
    return {
      owner: row.owner ?? undefined,
      token: row.token,
      expiresAt: row.expires_at,
    };
  }

  #row(runId: string): LeaseRow | undefined {
    const row = this.#select.get(runId) as Row | undefined;
    return row === undefined ? undefined : this.#toRow(row);
  }

  #store(runId: string, row: LeaseRow): void {
    this.#upsert.run(runId, row.owner ?? null, row.token, row.expiresAt);
  }
}
