/**
 * The SQL text of the Postgres backend, for the tables of one schema, and
 * how ids are stored in its `text` columns; the channel and statement of
 * the savepoint notices.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

/** The statement a write runs to announce itself. @internal */
export const NOTIFY = 'SELECT pg_notify($1, $2)';

/**
 * The channel of one schema's notices: `runstate:<schema>`, or a hash of
 * it past Postgres's 63-byte identifier limit.
 *
 * @internal
 */
export function noticeChannel(schema: string): string {
  const name = `runstate:${schema}`;
  if (Buffer.byteLength(name) <= 63) return name;
  return `runstate:${createHash('sha1').update(schema).digest('hex')}`;
}

/**
 * Every statement, for the tables of schema `s` (a quoted identifier).
 *
 * @internal
 */
export function sql(s: string) {
  const runs = `${s}.runstate_runs`;
  const sps = `${s}.runstate_savepoints`;
  const states = `${s}.runstate_entity_states`;
  const live = `run_id = $1 AND NOT quarantined`;
  return {
    isInitialized: `SELECT 1 FROM ${runs} WHERE run_id = $1`,
    insertRun: `INSERT INTO ${runs} (run_id, created_at) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING`,
    lockRun: `SELECT 1 FROM ${runs} WHERE run_id = $1 FOR UPDATE`,
    listRuns: `SELECT run_id FROM ${runs}`,
    newest: `SELECT max(timestamp) AS ts FROM ${sps} WHERE ${live}`,
    listSavepoints: `SELECT timestamp AS ts FROM ${sps} WHERE ${live} ORDER BY timestamp`,
    // One statement, so one snapshot: a concurrent prune cannot remove the
    // states between reading the header and reading them.
    read: (at: boolean) =>
      `SELECT s.timestamp AS ts, s.entity_count AS n, s.app_version AS v,
              s.written_at AS w, s.metadata AS m, e.entity_id AS id, e.state
       FROM (SELECT id, timestamp, entity_count, app_version, written_at, metadata FROM ${sps}
             WHERE ${live}${at ? ' AND timestamp = $2' : ''}
             ORDER BY timestamp DESC LIMIT 1) s
       LEFT JOIN ${states} e ON e.savepoint_id = s.id`,
    insertSavepoint: `INSERT INTO ${sps} (run_id, timestamp, entity_count, written_at, app_version, metadata) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    listInfo: `SELECT timestamp AS ts, app_version AS v, written_at AS w, metadata AS m FROM ${sps} WHERE ${live} ORDER BY timestamp`,
    findAt: `SELECT id, app_version AS v FROM ${sps} WHERE ${live} AND timestamp = $2`,
    quarantineId: `UPDATE ${sps} SET quarantined = true WHERE id = $1`,
    statesTable: states,
    prune: `WITH doomed AS (SELECT id FROM ${sps} WHERE ${live} ORDER BY timestamp DESC OFFSET $2),
       gone AS (DELETE FROM ${states} WHERE savepoint_id IN (SELECT id FROM doomed))
       DELETE FROM ${sps} WHERE id IN (SELECT id FROM doomed)`,
    quarantine: `UPDATE ${sps} SET quarantined = true WHERE ${live} AND timestamp = $2`,
    deleteStates: `DELETE FROM ${states} WHERE savepoint_id IN (SELECT id FROM ${sps} WHERE run_id = $1)`,
    deleteSavepoints: `DELETE FROM ${sps} WHERE run_id = $1`,
    deleteRun: `DELETE FROM ${runs} WHERE run_id = $1`,
  };
}

/**
 * An id as stored in a `text` column, which cannot hold NUL: `\` becomes
 * `\\` and NUL becomes `\0`; every other id is stored as is.
 *
 * @internal
 */
export function key(id: string): string {
  return /[\\\0]/.test(id)
    ? id.replace(/[\\\0]/g, (c) => (c === '\0' ? '\\0' : '\\\\'))
    : id;
}

/**
 * The inverse of {@link key}.
 *
 * @internal
 */
export function unkey(stored: string): string {
  return stored.includes('\\')
    ? stored.replace(/\\([\s\S])/g, (_, c: string) => (c === '0' ? '\0' : c))
    : stored;
}
