/**
 * The SQL of quarantined savepoints on Postgres: listing them and
 * restoring one. Postgres records no quarantine time (the column is a
 * boolean); "quarantined last" is the row inserted last.
 *
 * @packageDocumentation
 */
import { notMonotonicError, notQuarantinedError } from '../../errors.js';
import { metaFromColumns } from '../savepoint-meta.js';
import type { QuarantinedInfo } from '../types.js';
import { inTransaction, type PgPool } from './postgres-driver.js';
import { quoteIdent } from './postgres-schema.js';
import { key } from './postgres-sql.js';

function sql(s: string) {
  const runs = `${s}.runstate_runs`;
  const sps = `${s}.runstate_savepoints`;
  const states = `${s}.runstate_entity_states`;
  return {
    list: `SELECT s.timestamp AS ts, s.app_version AS v, s.written_at AS w,
        s.metadata AS m, s.entity_count AS n,
        (SELECT coalesce(sum(octet_length(e.state)), 0) FROM ${states} e
          WHERE e.savepoint_id = s.id) AS bytes
      FROM ${sps} s WHERE s.run_id = $1 AND s.quarantined
      ORDER BY s.timestamp, s.id`,
    lockRun: `SELECT 1 FROM ${runs} WHERE run_id = $1 FOR UPDATE`,
    find: `SELECT id FROM ${sps} WHERE run_id = $1 AND timestamp = $2 AND quarantined ORDER BY id DESC LIMIT 1`,
    newest: `SELECT max(timestamp) AS ts FROM ${sps} WHERE run_id = $1 AND NOT quarantined`,
    restore: `UPDATE ${sps} SET quarantined = false WHERE id = $1`,
  };
}

interface ListRow {
  ts: string;
  v: number;
  w: string | null;
  m: string | null;
  n: number;
  bytes: string;
}

/** Listing and restoring quarantined savepoints. @internal */
export class PostgresQuarantine {
  readonly #pool: PgPool;
  readonly #sql: ReturnType<typeof sql>;

  /** No I/O: the tables must exist before the first call. */
  constructor(pool: PgPool, schema: string) {
    this.#pool = pool;
    this.#sql = sql(quoteIdent(schema));
  }

  async list(runId: string): Promise<QuarantinedInfo[]> {
    const r = await this.#pool.query(this.#sql.list, [key(runId)]);
    return (r.rows as ListRow[]).map((row) => ({
      ...metaFromColumns(row.v, row.w, row.m),
      timestamp: Number(row.ts),
      entities: row.n,
      bytes: Number(row.bytes),
    }));
  }

  restore(runId: string, timestamp: number): Promise<void> {
    const q = this.#sql;
    return inTransaction(this.#pool, 'BEGIN', async (c) => {
      await c.query(q.lockRun, [key(runId)]);
      const found = await c.query(q.find, [key(runId), timestamp]);
      const id = (found.rows[0] as { id: string } | undefined)?.id;
      if (id === undefined) throw notQuarantinedError(runId, timestamp);
      const r = await c.query(q.newest, [key(runId)]);
      const ts = (r.rows[0] as { ts: string | null } | undefined)?.ts;
      if (ts != null && Number(ts) >= timestamp) {
        throw notMonotonicError(runId, timestamp, Number(ts));
      }
      await c.query(q.restore, [id]);
    });
  }
}
