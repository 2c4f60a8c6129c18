/**
 * Run leases of the Postgres backend: the `runstate_leases` table (its own
 * idempotent step, beside the versioned savepoint schema), acquisition and
 * renewal as single statements on the server's clock, and the fence check
 * a savepoint write runs inside its own transaction.
 *
 * @packageDocumentation
 */
import { fencedError, leaseLockedError } from '../lease-rules.js';
import type { LeaseInfo, LeaseRequest, RunLease } from '../types.js';
import {
  inTransaction,
  type PgPool,
  type PgQueryable,
} from './postgres-driver.js';
import { MIGRATION_LOCK, quoteIdent } from './postgres-schema.js';
import { key, unkey } from './postgres-sql.js';
import type { WriteFence } from './postgres-statements.js';

/** The server's clock in epoch ms. */
const NOW = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/** Every lease statement for schema `s` (a quoted identifier). */
function sql(s: string) {
  const t = `${s}.runstate_leases`;
  return {
    create: `CREATE TABLE IF NOT EXISTS ${t} (
  run_id     text   PRIMARY KEY,
  owner      text,
  token      bigint NOT NULL,
  expires_at bigint NOT NULL
)`,
    // One statement: the row lock makes concurrent acquirers take turns.
    acquire: `INSERT INTO ${t} AS l (run_id, owner, token, expires_at)
  VALUES ($1, $2, 1, ${NOW} + $3)
  ON CONFLICT (run_id) DO UPDATE SET
    token = CASE WHEN l.owner = excluded.owner AND l.expires_at > ${NOW}
                 THEN l.token ELSE l.token + 1 END,
    owner = excluded.owner,
    expires_at = excluded.expires_at
  WHERE l.owner IS NULL OR l.owner = excluded.owner OR l.expires_at <= ${NOW}
  RETURNING token`,
    holder: `SELECT owner, token, expires_at - ${NOW} AS left FROM ${t} WHERE run_id = $1`,
    renew: `UPDATE ${t} SET expires_at = ${NOW} + $4 WHERE run_id = $1 AND owner = $2 AND token = $3`,
    release: `UPDATE ${t} SET owner = NULL, expires_at = 0 WHERE run_id = $1 AND owner = $2 AND token = $3`,
    list: `SELECT run_id, owner, token, expires_at - ${NOW} AS left FROM ${t}
  WHERE owner IS NOT NULL AND expires_at > ${NOW} AND starts_with(run_id, $1)
  ORDER BY run_id COLLATE "C"`,
    // FOR SHARE, as the write's last statement: a takeover (an UPDATE of
    // the row) waits for the write's commit, so the write is ordered
    // entirely before it, or sees the new token and rolls back.
    fence: `SELECT owner, token FROM ${t} WHERE run_id = $1 FOR SHARE`,
  };
}

interface HolderRow {
  owner: string | null;
  token: string;
  left: string;
}

/**
 * Create the lease table when missing, under the advisory lock the schema
 * migration takes, so processes starting at once do not race.
 *
 * @internal
 */
export async function createLeaseTable(
  pool: PgPool,
  schema: string,
): Promise<void> {
  const create = sql(quoteIdent(schema)).create;
  await inTransaction(pool, 'BEGIN', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      MIGRATION_LOCK,
      schema,
    ]);
    await client.query(create);
  });
}

/** The lease statements of one schema. @internal */
export class PostgresLeases {
  readonly #pool: PgPool;
  readonly #sql: ReturnType<typeof sql>;
  /** The TTL each run's lease was last taken or renewed with, by run id. */
  readonly #ttls = new Map<string, number>();

  /** @param pool - where to run; @param schema - unquoted schema name */
  constructor(pool: PgPool, schema: string) {
    this.#pool = pool;
    this.#sql = sql(quoteIdent(schema));
  }

  /** Take or renew; `E_LOCKED` while another owner's lease is live. */
  async acquire(runId: string, request: LeaseRequest): Promise<RunLease> {
    const { owner, ttlMs } = request;
    const r = await this.#pool.query(this.#sql.acquire, [
      key(runId),
      owner,
      ttlMs,
    ]);
    const row = r.rows[0] as { token: string } | undefined;
    if (row !== undefined) {
      this.#ttls.set(runId, ttlMs);
      return { runId, owner, token: Number(row.token) };
    }
    const h = await this.#pool.query(this.#sql.holder, [key(runId)]);
    const holder = h.rows[0] as HolderRow | undefined;
    throw leaseLockedError(
      runId,
      holder?.owner ?? undefined,
      Number(holder?.left ?? 0),
    );
  }

  /** The live leases of runs whose id starts with `prefix`, by run id. */
  async list(prefix: string): Promise<LeaseInfo[]> {
    const r = await this.#pool.query(this.#sql.list, [key(prefix)]);
    const rows = r.rows as (HolderRow & { run_id: string })[];
    return rows.map((row) => ({
      runId: unkey(row.run_id),
      owner: row.owner ?? '',
      token: Number(row.token),
      expiresInMs: Number(row.left),
    }));
  }

  /** Extend a current lease; `E_FENCED` otherwise. */
  async renew(lease: RunLease, ttlMs: number): Promise<void> {
    const r = await this.#pool.query(this.#sql.renew, [
      key(lease.runId),
      lease.owner,
      lease.token,
      ttlMs,
    ]);
    if (r.rowCount === 0) throw await this.#fenced(lease, 'renewLease');
    this.#ttls.set(lease.runId, ttlMs);
  }

  /**
   * The fence of a write: the lease check, and a transaction that the
   * server ends when its client stalls in it longer than the lease's TTL
   * (`idle_in_transaction_session_timeout`), so an owner stopped mid-write
   * (SIGSTOP, a frozen VM) holds the run's locks against its successor
   * for at most that long.
   */
  writeFence(lease: RunLease): WriteFence {
    const idle = Math.max(1_000, this.#ttls.get(lease.runId) ?? 10_000);
    return {
      begin: `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${idle}`,
      check: (c) => this.check(c, lease),
    };
  }

  /** Free a current lease (keeping its token); ignore a stale one. */
  async release(lease: RunLease): Promise<void> {
    await this.#pool.query(this.#sql.release, [
      key(lease.runId),
      lease.owner,
      lease.token,
    ]);
    this.#ttls.delete(lease.runId);
  }

  /**
   * Inside a write's transaction: lock the lease row for share and throw
   * `E_FENCED` unless `lease` is current.
   */
  async check(client: PgQueryable, lease: RunLease): Promise<void> {
    const r = await client.query(this.#sql.fence, [key(lease.runId)]);
    const row = r.rows[0] as
      { owner: string | null; token: string } | undefined;
    const token = row === undefined ? undefined : Number(row.token);
    if (row?.owner !== lease.owner || token !== lease.token) {
      throw fencedError(lease, 'writeSavepoint', token);
    }
  }

  async #fenced(lease: RunLease, operation: string): Promise<Error> {
    const h = await this.#pool.query(this.#sql.holder, [key(lease.runId)]);
    const holder = h.rows[0] as HolderRow | undefined;
    return fencedError(
      lease,
      operation,
      holder === undefined ? undefined : Number(holder.token),
    );
  }
}
