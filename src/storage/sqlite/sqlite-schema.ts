/**
 * The versioned schema of the SQLite backend. The layout is documented and
 * stable (`docs/storage-sqlite.md`): a change is a new entry in
 * {@link MIGRATIONS}, never an edit of a published one.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../../errors.js';
import { checkSchemaVersion } from '../schema-version.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/**
 * The schema, version 1. Table names are fixed and prefixed `runstate_`, so
 * the tables can share a database with an application's own.
 *
 * The entity rows of a savepoint are the contiguous id range
 * `first_state … first_state + entity_count - 1` of `runstate_entity_states`
 * (written in one transaction), so reads and deletes are range scans of the
 * table itself and inserts maintain no secondary index; `savepoint_id` is
 * stored on every row too, for inspection and as a check.
 *
 * @internal
 */
export const SCHEMA_V1 = `
CREATE TABLE runstate_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE runstate_runs (
  run_id     TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
CREATE TABLE runstate_savepoints (
  id           INTEGER PRIMARY KEY,
  run_id       TEXT    NOT NULL REFERENCES runstate_runs (run_id),
  timestamp    INTEGER NOT NULL,
  entity_count INTEGER NOT NULL,
  first_state  INTEGER,
  quarantined  INTEGER NOT NULL DEFAULT 0,
  written_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX runstate_savepoints_live
  ON runstate_savepoints (run_id, timestamp) WHERE quarantined = 0;
CREATE INDEX runstate_savepoints_run ON runstate_savepoints (run_id);
CREATE TABLE runstate_entity_states (
  id           INTEGER PRIMARY KEY,
  savepoint_id INTEGER NOT NULL,
  entity_id    TEXT    NOT NULL,
  state        BLOB    NOT NULL
);
`;

/**
 * Schema version 2: each savepoint's application state version (0 for the
 * savepoints of version 1, which had none) and optional user metadata
 * (JSON text). `written_at` was recorded from version 1 on.
 *
 * @internal
 */
export const SCHEMA_V2 = `
ALTER TABLE runstate_savepoints ADD COLUMN app_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runstate_savepoints ADD COLUMN metadata TEXT;
`;

/**
 * `MIGRATIONS[v]` upgrades a database from schema version `v` to `v + 1`
 * (version 0: no runstate tables).
 *
 * @internal
 */
export const MIGRATIONS: readonly string[] = [SCHEMA_V1, SCHEMA_V2];

/**
 * The schema version this library writes and reads.
 *
 * @internal
 */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The database's runstate schema version: 0 when it has no runstate tables.
 *
 * @param db - an open connection
 * @throws `E_SCHEMA_VERSION` when the stored version is not a positive
 * integer.
 * @internal
 */
export function readSchemaVersion(db: SqliteDatabase): number {
  const hasMeta = db
    .prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runstate_meta'",
    )
    .pluck()
    .get();
  if (hasMeta === undefined) return 0;
  const value = db
    .prepare("SELECT value FROM runstate_meta WHERE key = 'schema_version'")
    .pluck()
    .get();
  const version = Number(value);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new RunStateError(
      'E_SCHEMA_VERSION',
      `runstate_meta.schema_version is ${JSON.stringify(value)}, not a version number`,
      { details: { found: value, supported: SCHEMA_VERSION } },
    );
  }
  return version;
}

/**
 * Create or upgrade the runstate tables, in one `BEGIN IMMEDIATE`
 * transaction, so two processes opening the same new file cannot both
 * create them.
 *
 * @returns the version found before migrating (0 for a new database)
 * @throws `E_SCHEMA_VERSION` for a newer schema; driver errors as thrown.
 * @internal
 */
export function migrate(db: SqliteDatabase): number {
  return db
    .transaction(() => {
      const found = readSchemaVersion(db);
      checkSchemaVersion(found, SCHEMA_VERSION, true);
      for (let version = found; version < SCHEMA_VERSION; version++) {
        db.exec(MIGRATIONS[version] ?? '');
      }
      if (found < SCHEMA_VERSION) {
        db.prepare(
          "INSERT INTO runstate_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ).run(String(SCHEMA_VERSION));
      }
      return found;
    })
    .immediate();
}
