/**
 * The SQL of quarantined savepoints on SQLite: listing them and restoring
 * one. A quarantined row has `quarantined` set to when it was quarantined
 * (epoch ms; `1` for rows quarantined before runstate recorded the time).
 *
 * @packageDocumentation
 */
import { notMonotonicError, notQuarantinedError } from '../../errors.js';
import { metaFromColumns } from '../savepoint-meta.js';
import type { QuarantinedInfo } from '../types.js';
import type {
  SqliteDatabase,
  SqliteStatement,
  SqliteTransaction,
} from './sqlite-driver.js';

const LIST = `SELECT s.timestamp, s.app_version, s.written_at, s.metadata,
  s.quarantined, s.entity_count,
  (SELECT coalesce(sum(length(e.state)), 0) FROM runstate_entity_states e
    WHERE e.id BETWEEN s.first_state AND s.first_state + s.entity_count - 1
    AND e.savepoint_id = s.id)
  FROM runstate_savepoints s WHERE s.run_id = ? AND s.quarantined <> 0
  ORDER BY s.timestamp, s.quarantined, s.id`;
const NEWEST =
  'SELECT timestamp FROM runstate_savepoints WHERE run_id = ? AND quarantined = 0 ORDER BY timestamp DESC LIMIT 1';
const FIND =
  'SELECT id FROM runstate_savepoints WHERE run_id = ? AND timestamp = ? AND quarantined <> 0 ORDER BY quarantined DESC, id DESC LIMIT 1';
const RESTORE = 'UPDATE runstate_savepoints SET quarantined = 0 WHERE id = ?';

type ListRow = [
  timestamp: number,
  version: number,
  writtenAt: number,
  metadata: string | null,
  quarantined: number,
  entities: number,
  bytes: number,
];

/** Listing and restoring quarantined savepoints. @internal */
export class SqliteQuarantine {
  readonly #list: SqliteStatement;
  readonly #newest: SqliteStatement;
  readonly #find: SqliteStatement;
  readonly #restore: SqliteStatement;
  readonly #restoreTx: SqliteTransaction<[string, number], void>;

  constructor(db: SqliteDatabase) {
    this.#list = db.prepare(LIST).safeIntegers(false).raw();
    this.#newest = db.prepare(NEWEST).safeIntegers(false).pluck();
    this.#find = db.prepare(FIND).safeIntegers(false).pluck();
    this.#restore = db.prepare(RESTORE);
    this.#restoreTx = db.transaction((runId: string, ts: number) =>
      this.#restoreBody(runId, ts),
    );
  }

  list(runId: string): QuarantinedInfo[] {
    const rows = this.#list.all(runId) as ListRow[];
    return rows.map(
      ([timestamp, version, writtenAt, metadata, at, entities, bytes]) => ({
        ...metaFromColumns(version, writtenAt, metadata),
        timestamp,
        ...(at > 1 ? { quarantinedAt: at } : {}),
        entities,
        bytes,
      }),
    );
  }

  restore(runId: string, timestamp: number): void {
    this.#restoreTx.immediate(runId, timestamp);
  }

  #restoreBody(runId: string, timestamp: number): void {
    const id = this.#find.get(runId, timestamp) as number | undefined;
    if (id === undefined) throw notQuarantinedError(runId, timestamp);
    const newest = this.#newest.get(runId) as number | undefined;
    if (newest !== undefined && newest >= timestamp) {
      throw notMonotonicError(runId, timestamp, newest);
    }
    this.#restore.run(id);
  }
}
