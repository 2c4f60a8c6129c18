/**
 * The SQL text of the SQLite backend and how each statement is prepared
 * (numbers, not bigints; bare values or arrays for the rows).
 *
 * @packageDocumentation
 */
import type { SqliteDatabase, SqliteStatement } from './sqlite-driver.js';

/** Every SQL statement of the backend, by name. */
const SQL = {
  isInitialized: 'SELECT 1 FROM runstate_runs WHERE run_id = ?',
  insertRun:
    'INSERT INTO runstate_runs (run_id, created_at) VALUES (?, ?) ON CONFLICT (run_id) DO NOTHING',
  listRuns: 'SELECT run_id FROM runstate_runs',
  newest:
    'SELECT timestamp FROM runstate_savepoints WHERE run_id = ? AND quarantined = 0 ORDER BY timestamp DESC LIMIT 1',
  listSavepoints:
    'SELECT timestamp FROM runstate_savepoints WHERE run_id = ? AND quarantined = 0 ORDER BY timestamp',
  findNewest:
    'SELECT id, timestamp, entity_count, first_state, app_version, written_at, metadata FROM runstate_savepoints WHERE run_id = ? AND quarantined = 0 ORDER BY timestamp DESC LIMIT 1',
  findAt:
    'SELECT id, timestamp, entity_count, first_state, app_version, written_at, metadata FROM runstate_savepoints WHERE run_id = ? AND timestamp = ? AND quarantined = 0',
  listInfo:
    'SELECT timestamp, app_version, written_at, metadata FROM runstate_savepoints WHERE run_id = ? AND quarantined = 0 ORDER BY timestamp',
  quarantineId: 'UPDATE runstate_savepoints SET quarantined = ? WHERE id = ?',
  states:
    'SELECT entity_id, state FROM runstate_entity_states WHERE id BETWEEN ? AND ? AND savepoint_id = ?',
  insertSavepoint:
    'INSERT INTO runstate_savepoints (run_id, timestamp, entity_count, written_at, app_version, metadata) VALUES (?, ?, ?, ?, ?, ?)',
  setFirstState: 'UPDATE runstate_savepoints SET first_state = ? WHERE id = ?',
  insertState:
    'INSERT INTO runstate_entity_states (savepoint_id, entity_id, state) VALUES (?, ?, ?)',
  prunable:
    'SELECT id, entity_count, first_state FROM runstate_savepoints WHERE run_id = ? AND quarantined = 0 ORDER BY timestamp DESC LIMIT -1 OFFSET ?',
  ofRun:
    'SELECT id, entity_count, first_state FROM runstate_savepoints WHERE run_id = ?',
  deleteStates:
    'DELETE FROM runstate_entity_states WHERE id BETWEEN ? AND ? AND savepoint_id = ?',
  deleteSavepoint: 'DELETE FROM runstate_savepoints WHERE id = ?',
  quarantine:
    'UPDATE runstate_savepoints SET quarantined = ? WHERE run_id = ? AND timestamp = ? AND quarantined = 0',
  deleteRun: 'DELETE FROM runstate_runs WHERE run_id = ?',
} as const;

/** Every statement of {@link SQL}, prepared on one connection. @internal */
export type Prepared = { readonly [K in keyof typeof SQL]: SqliteStatement };

/** Queries returning one column: rows come back as bare values. */
const PLUCKED = new Set<keyof typeof SQL>([
  'isInitialized',
  'listRuns',
  'newest',
  'listSavepoints',
]);
/** Queries whose rows come back as arrays rather than objects. */
const RAW = new Set<keyof typeof SQL>([
  'findNewest',
  'findAt',
  'listInfo',
  'states',
  'prunable',
  'ofRun',
]);

/** A savepoint's row as `findNewest` and `findAt` return it. @internal */
export type SavepointRow = [
  id: number,
  timestamp: number,
  entityCount: number,
  firstState: number | null,
  version: number,
  writtenAt: number,
  metadata: string | null,
];

/** Where a savepoint's entity rows are. @internal */
export type RangeRow = [
  id: number,
  entityCount: number,
  firstState: number | null,
];

/**
 * Prepare every statement on `db` (which must hold the schema), with the
 * row shape each query is read with.
 *
 * @internal
 */
export function prepareAll(db: SqliteDatabase): Prepared {
  const prepared: Partial<Record<keyof typeof SQL, SqliteStatement>> = {};
  for (const key of Object.keys(SQL) as (keyof typeof SQL)[]) {
    // Integers as numbers even when the caller's connection defaults to
    // bigint: every value runstate stores is a safe integer.
    const statement = db.prepare(SQL[key]).safeIntegers(false);
    if (PLUCKED.has(key)) statement.pluck();
    if (RAW.has(key)) statement.raw();
    prepared[key] = statement;
  }
  return prepared as Prepared;
}
