/**
 * The operations of the Postgres backend on one pool: the statements of
 * `postgres-sql.ts`, and the transactions built from them.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../../errors.js';
import {
  inTransaction,
  type PgPool,
  type PgQueryable,
} from './postgres-driver.js';
import { copyStates } from './postgres-copy.js';
import { quoteIdent } from './postgres-schema.js';
import { NOTIFY, key, noticeChannel, sql, unkey } from './postgres-sql.js';
import { encodeNotice } from '../savepoint-notices.js';
import { metaFromColumns, metaOf, metadataText } from '../savepoint-meta.js';
import type {
  ReplaceOutcome,
  SavepointInfo,
  StoredEntry,
  StoredSavepoint,
} from '../types.js';

/**
 * How a fenced write changes its transaction: its opening statement(s), and
 * the lease check run last, before `COMMIT`.
 *
 * @internal
 */
export interface WriteFence {
  readonly begin: string;
  readonly check: (c: PgQueryable) => Promise<void>;
}

type StateRow = {
  ts: string;
  n: number;
  v: number;
  w: string | null;
  m: string | null;
  id: string | null;
  state: unknown;
};

/**
 * Every operation of the Postgres backend on one pool.
 *
 * @remarks
 * Arguments are validated by the caller ({@link PostgresStorage}); this
 * class only runs SQL. Every change of a run runs in one transaction on one
 * checked-out client that first locks the run's row (`SELECT … FOR
 * UPDATE`), so concurrent writers of a run, in any process, take turns.
 *
 * @internal
 */
export class PostgresStatements {
  readonly #pool: PgPool;
  readonly #sql: ReturnType<typeof sql>;
  readonly #channel: string;

  /** No I/O: the tables must exist before the first call. */
  constructor(pool: PgPool, schema: string) {
    this.#pool = pool;
    this.#sql = sql(quoteIdent(schema));
    this.#channel = noticeChannel(schema);
  }

  async isInitialized(runId: string): Promise<boolean> {
    const r = await this.#pool.query(this.#sql.isInitialized, [key(runId)]);
    return r.rows.length > 0;
  }

  async initRun(runId: string, now: number): Promise<void> {
    await this.#pool.query(this.#sql.insertRun, [key(runId), now]);
  }

  async listRuns(): Promise<string[]> {
    const r = await this.#pool.query(this.#sql.listRuns);
    // Sorted here, by code unit: Postgres would sort by the collation.
    return (r.rows as { run_id: string }[])
      .map((row) => unkey(row.run_id))
      .sort();
  }

  async newestTimestamp(runId: string): Promise<number | undefined> {
    const r = await this.#pool.query(this.#sql.newest, [key(runId)]);
    const ts = (r.rows[0] as { ts: string | null } | undefined)?.ts;
    return ts == null ? undefined : Number(ts);
  }

  async listSavepoints(runId: string): Promise<number[]> {
    const r = await this.#pool.query(this.#sql.listSavepoints, [key(runId)]);
    return (r.rows as { ts: string }[]).map((row) => Number(row.ts));
  }

  async readSavepoint(
    runId: string,
    ts?: number,
  ): Promise<StoredSavepoint | undefined> {
    const at = ts !== undefined;
    const r = await this.#pool.query(
      this.#sql.read(at),
      at ? [key(runId), ts] : [key(runId)],
    );
    const rows = r.rows as StateRow[];
    const first = rows[0];
    if (first === undefined) return undefined;
    const timestamp = Number(first.ts);
    const entries = rows.filter((row) => row.id !== null);
    checkRows(runId, timestamp, first.n, entries);
    return {
      timestamp,
      entries: entries.map(
        (row) => [unkey(row.id as string), row.state] as StoredEntry,
      ),
      meta: metaFromColumns(first.v, first.w, first.m),
    };
  }

  async listSavepointInfo(runId: string): Promise<SavepointInfo[]> {
    const r = await this.#pool.query(this.#sql.listInfo, [key(runId)]);
    return (r.rows as Omit<StateRow, 'n' | 'id' | 'state'>[]).map((row) => ({
      ...metaFromColumns(row.v, row.w, row.m),
      timestamp: Number(row.ts),
    }));
  }

  replaceSavepoint(
    runId: string,
    sp: StoredSavepoint,
    expect: number,
  ): Promise<ReplaceOutcome> {
    const q = this.#sql;
    return inTransaction(this.#pool, 'BEGIN', async (c) => {
      const locked = await c.query(q.lockRun, [key(runId)]);
      if (locked.rows.length === 0) return 'missing';
      const r = await c.query(q.findAt, [key(runId), sp.timestamp]);
      const found = r.rows[0] as { id: string; v: number } | undefined;
      if (found === undefined) return 'missing';
      if (found.v !== expect) return 'conflict';
      await c.query(q.quarantineId, [found.id]);
      await this.#insert(c, runId, sp);
      return 'replaced';
    });
  }

  writeSavepoint(
    runId: string,
    sp: StoredSavepoint,
    keep: number,
    now: number,
    fence?: WriteFence,
  ): Promise<void> {
    const q = this.#sql;
    return inTransaction(this.#pool, fence?.begin ?? 'BEGIN', async (c) => {
      await c.query(q.insertRun, [key(runId), now]);
      await c.query(q.lockRun, [key(runId)]);
      // A statement after the lock: it sees what the previous holder
      // committed (READ COMMITTED takes a new snapshot per statement).
      const r = await c.query(q.newest, [key(runId)]);
      const found = (r.rows[0] as { ts: string | null } | undefined)?.ts;
      const newest = found == null ? undefined : Number(found);
      checkMonotonic(runId, sp.timestamp, newest);
      await this.#insert(c, runId, sp);
      await c.query(q.prune, [key(runId), keep]);
      // Delivered to listeners at the commit, and only if it commits.
      const version = sp.meta?.version ?? 0;
      const notice = { runId: key(runId), timestamp: sp.timestamp, version };
      await c.query(NOTIFY, [this.#channel, encodeNotice(notice)]);
      // Last, so a takeover waits on this transaction for one round trip.
      await fence?.check(c);
    });
  }

  /** Insert the savepoint's row and copy its states, on client `c`. */
  async #insert(
    c: Parameters<Parameters<typeof inTransaction>[2]>[0],
    runId: string,
    sp: StoredSavepoint,
  ): Promise<void> {
    const q = this.#sql;
    const meta = metaOf(sp);
    const n = sp.entries.length;
    const inserted = await c.query(q.insertSavepoint, [
      key(runId),
      sp.timestamp,
      n,
      meta.writtenAt,
      meta.version,
      metadataText(meta),
    ]);
    const id = (inserted.rows[0] as { id: string }).id;
    if (n > 0) {
      const ids = sp.entries.map((e) => key(e[0]));
      await copyStates(c, q.statesTable, id, ids, sp.entries);
    }
  }

  prune(runId: string, keep: number): Promise<number> {
    return inTransaction(this.#pool, 'BEGIN', async (c) => {
      await c.query(this.#sql.lockRun, [key(runId)]);
      const r = await c.query(this.#sql.prune, [key(runId), keep]);
      return r.rowCount ?? 0;
    });
  }

  async quarantineSavepoint(runId: string, ts: number): Promise<void> {
    await this.#pool.query(this.#sql.quarantine, [key(runId), ts]);
  }

  deleteRun(runId: string): Promise<boolean> {
    const q = this.#sql;
    return inTransaction(this.#pool, 'BEGIN', async (c) => {
      const locked = await c.query(q.lockRun, [key(runId)]);
      if (locked.rows.length === 0) return false;
      await c.query(q.deleteStates, [key(runId)]);
      await c.query(q.deleteSavepoints, [key(runId)]);
      await c.query(q.deleteRun, [key(runId)]);
      return true;
    });
  }
}

function checkMonotonic(
  runId: string,
  timestamp: number,
  newest: number | undefined,
): void {
  if (newest !== undefined && newest >= timestamp) {
    throw new RunStateError(
      'E_NOT_MONOTONIC',
      `savepoint ${timestamp} of run ${JSON.stringify(runId)} is not newer than the newest persisted one (${newest})`,
      { details: { runId, timestamp, newest } },
    );
  }
}

/** A savepoint whose rows do not match its header was tampered with. */
function checkRows(
  runId: string,
  timestamp: number,
  entityCount: number,
  rows: readonly StateRow[],
): void {
  const bad =
    rows.length !== entityCount ||
    rows.some((row) => !(row.state instanceof Uint8Array));
  if (bad) {
    throw new RunStateError(
      'E_CORRUPTED',
      `savepoint ${timestamp} of run ${JSON.stringify(runId)} should hold ${entityCount} bytea states; its rows do not match`,
      { details: { runId, timestamp, entityCount, rows: rows.length } },
    );
  }
}
