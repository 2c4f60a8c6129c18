/**
 * The operations of the SQLite backend: the statements of `sqlite-sql.ts`,
 * prepared once per connection, and the synchronous transactions built
 * from them.
 *
 * @packageDocumentation
 */
import { RunStateError, notMonotonicError } from '../../errors.js';
import type { SqliteDatabase, SqliteTransaction } from './sqlite-driver.js';
import {
  prepareAll,
  type Prepared,
  type RangeRow,
  type SavepointRow,
} from './sqlite-sql.js';
import { SqliteQuarantine } from './sqlite-quarantine.js';
import { metaFromColumns, metaOf, metadataText } from '../savepoint-meta.js';
import type {
  ReplaceOutcome,
  SavepointInfo,
  StoredEntry,
  StoredSavepoint,
} from '../types.js';

/**
 * Every operation of the SQLite backend on one connection.
 *
 * @remarks
 * Arguments are validated by the caller ({@link SqliteStorage}); this class
 * only runs SQL. Multi-statement operations run in one synchronous
 * transaction; writes take the write lock up front (`BEGIN IMMEDIATE`) so a
 * concurrent writer waits for `busy_timeout` instead of failing on a lock
 * upgrade.
 *
 * @internal
 */
export class SqliteStatements {
  readonly #s: Prepared;
  readonly #write: SqliteTransaction<
    [string, StoredSavepoint, number, number],
    void
  >;
  readonly #read: SqliteTransaction<
    [string, number | undefined],
    StoredSavepoint | undefined
  >;
  readonly #prune: SqliteTransaction<[string, number], number>;
  readonly #replace: SqliteTransaction<
    [string, StoredSavepoint, number],
    ReplaceOutcome
  >;
  readonly #deleteRun: SqliteTransaction<[string], boolean>;
  /** Listing and restoring quarantined savepoints. */
  readonly quarantined: SqliteQuarantine;

  /** Prepare every statement on `db` (which must hold the schema). */
  constructor(db: SqliteDatabase) {
    this.#s = prepareAll(db);
    this.quarantined = new SqliteQuarantine(db);
    this.#write = db.transaction(
      (runId: string, sp: StoredSavepoint, keep: number, now: number) =>
        this.#writeBody(runId, sp, keep, now),
    );
    this.#read = db.transaction((runId: string, ts: number | undefined) =>
      this.#readBody(runId, ts),
    );
    this.#prune = db.transaction((runId: string, keep: number) =>
      this.#pruneBody(runId, keep),
    );
    this.#replace = db.transaction(
      (runId: string, sp: StoredSavepoint, expect: number) =>
        this.#replaceBody(runId, sp, expect),
    );
    this.#deleteRun = db.transaction((runId: string) =>
      this.#deleteRunBody(runId),
    );
  }

  isInitialized(runId: string): boolean {
    return this.#s.isInitialized.get(runId) !== undefined;
  }

  initRun(runId: string, now: number): void {
    this.#s.insertRun.run(runId, now);
  }

  listRuns(): string[] {
    return (this.#s.listRuns.all() as string[]).sort();
  }

  newestTimestamp(runId: string): number | undefined {
    return this.#s.newest.get(runId) as number | undefined;
  }

  listSavepoints(runId: string): number[] {
    return this.#s.listSavepoints.all(runId) as number[];
  }

  writeSavepoint(runId: string, sp: StoredSavepoint, keep: number): void {
    this.#write.immediate(runId, sp, keep, Date.now());
  }

  readSavepoint(runId: string, ts?: number): StoredSavepoint | undefined {
    return this.#read(runId, ts);
  }

  listSavepointInfo(runId: string): SavepointInfo[] {
    const rows = this.#s.listInfo.all(runId) as [
      number,
      number,
      number,
      string | null,
    ][];
    return rows.map(([timestamp, version, writtenAt, metadata]) => ({
      ...metaFromColumns(version, writtenAt, metadata),
      timestamp,
    }));
  }

  replaceSavepoint(
    runId: string,
    sp: StoredSavepoint,
    expect: number,
  ): ReplaceOutcome {
    return this.#replace.immediate(runId, sp, expect);
  }

  prune(runId: string, keep: number): number {
    return this.#prune.immediate(runId, keep);
  }

  quarantineSavepoint(runId: string, ts: number): void {
    this.#s.quarantine.run(Date.now(), runId, ts);
  }

  deleteRun(runId: string): boolean {
    return this.#deleteRun.immediate(runId);
  }

  #writeBody(
    runId: string,
    sp: StoredSavepoint,
    keep: number,
    now: number,
  ): void {
    const { timestamp } = sp;
    const newest = this.newestTimestamp(runId);
    if (newest !== undefined && newest >= timestamp) {
      throw notMonotonicError(runId, timestamp, newest);
    }
    this.#s.insertRun.run(runId, now);
    this.#insert(runId, sp);
    this.#pruneBody(runId, keep);
  }

  /** Insert the savepoint's row and its entity rows. */
  #insert(runId: string, sp: StoredSavepoint): void {
    const { timestamp, entries } = sp;
    const meta = metaOf(sp);
    const n = entries.length;
    const savepointId = this.#s.insertSavepoint.run(
      runId,
      timestamp,
      n,
      meta.writtenAt,
      meta.version,
      metadataText(meta),
    ).lastInsertRowid as number;
    if (n > 0) {
      const first = this.#insertStates(savepointId, entries);
      this.#s.setFirstState.run(first, savepointId);
    }
  }

  #replaceBody(
    runId: string,
    sp: StoredSavepoint,
    expect: number,
  ): ReplaceOutcome {
    const found = this.#s.findAt.get(runId, sp.timestamp) as
      SavepointRow | undefined;
    if (found === undefined) return 'missing';
    if (found[4] !== expect) return 'conflict';
    this.#s.quarantineId.run(Date.now(), found[0]);
    this.#insert(runId, sp);
    return 'replaced';
  }

  /** Insert the entity rows; returns the first row's id. */
  #insertStates(savepointId: number, entries: readonly StoredEntry[]): number {
    const insert = this.#s.insertState;
    let entry = entries[0] as StoredEntry;
    const first = insert.run(savepointId, entry[0], entry[1])
      .lastInsertRowid as number;
    let last = first;
    for (let i = 1; i < entries.length; i++) {
      entry = entries[i] as StoredEntry;
      last = insert.run(savepointId, entry[0], entry[1])
        .lastInsertRowid as number;
    }
    if (last - first !== entries.length - 1) {
      // Only possible when something else (a trigger) inserts rows meanwhile;
      // throwing rolls the whole savepoint back.
      throw new Error(
        `entity rows of savepoint ${savepointId} did not get contiguous ids (${first}…${last} for ${entries.length} rows)`,
      );
    }
    return first;
  }

  #readBody(
    runId: string,
    ts: number | undefined,
  ): StoredSavepoint | undefined {
    const found = (
      ts === undefined
        ? this.#s.findNewest.get(runId)
        : this.#s.findAt.get(runId, ts)
    ) as SavepointRow | undefined;
    if (found === undefined) return undefined;
    const [id, timestamp, entityCount, first, version, writtenAt, metadata] =
      found;
    // Rows come back as fresh [entity_id, Buffer] arrays: used as entries.
    const entries =
      first === null
        ? []
        : (this.#s.states.all(first, first + entityCount - 1, id) as [
            string,
            unknown,
          ][]);
    checkRows(runId, timestamp, entityCount, entries);
    return {
      timestamp,
      entries: entries as StoredEntry[],
      meta: metaFromColumns(version, writtenAt, metadata),
    };
  }

  #pruneBody(runId: string, keep: number): number {
    const prunable = this.#s.prunable.all(runId, keep) as RangeRow[];
    for (const row of prunable) this.#deleteSavepoint(row);
    return prunable.length;
  }

  #deleteRunBody(runId: string): boolean {
    const savepoints = this.#s.ofRun.all(runId) as RangeRow[];
    for (const row of savepoints) this.#deleteSavepoint(row);
    const runs = this.#s.deleteRun.run(runId).changes;
    return runs > 0 || savepoints.length > 0;
  }

  #deleteSavepoint([id, entityCount, first]: RangeRow): void {
    if (first !== null) {
      this.#s.deleteStates.run(first, first + entityCount - 1, id);
    }
    this.#s.deleteSavepoint.run(id);
  }
}

/** A savepoint whose rows do not match its header was tampered with. */
function checkRows(
  runId: string,
  timestamp: number,
  entityCount: number,
  rows: readonly (readonly [string, unknown])[],
): void {
  let bad = rows.length !== entityCount;
  for (let i = 0; i < rows.length && !bad; i++) {
    bad = !((rows[i] as [string, unknown])[1] instanceof Uint8Array);
  }
  if (bad) {
    throw new RunStateError(
      'E_CORRUPTED',
      `savepoint ${timestamp} of run ${JSON.stringify(runId)} should hold ${entityCount} BLOB states; its rows do not match`,
      { details: { runId, timestamp, entityCount, rows: rows.length } },
    );
  }
}
