/**
 * The versioned schema of the Postgres backend. The layout is documented and
 * stable (`docs/storage-postgres.md`): a change is a new entry in
 * {@link MIGRATIONS}, never an edit of a published one.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../../errors.js';
import { checkSchemaVersion } from '../schema-version.js';
import {
  inTransaction,
  type PgPool,
  type PgQueryable,
} from './postgres-driver.js';

/**
 * The schema, version 1, in the schema `s` (a quoted identifier). Table
 * names are fixed and prefixed `runstate_`.
 *
 * The states of a savepoint are found through `runstate_entity_states_sp`;
 * no foreign key is declared on them, so inserting 10 000 states runs no
 * per-row trigger (runstate deletes them explicitly).
 *
 * @internal
 */
export const SCHEMA_V1 = (s: string): string => `
CREATE TABLE ${s}.runstate_meta (
  key   text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE ${s}.runstate_runs (
  run_id     text PRIMARY KEY,
  created_at bigint NOT NULL
);
CREATE TABLE ${s}.runstate_savepoints (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       text    NOT NULL REFERENCES ${s}.runstate_runs (run_id),
  timestamp    bigint  NOT NULL,
  entity_count integer NOT NULL,
  quarantined  boolean NOT NULL DEFAULT false,
  written_at   bigint  NOT NULL
);
CREATE UNIQUE INDEX runstate_savepoints_live
  ON ${s}.runstate_savepoints (run_id, timestamp) WHERE NOT quarantined;
CREATE INDEX runstate_savepoints_run ON ${s}.runstate_savepoints (run_id);
CREATE TABLE ${s}.runstate_entity_states (
  savepoint_id bigint NOT NULL,
  entity_id    text   NOT NULL,
  state        bytea  NOT NULL
);
CREATE INDEX runstate_entity_states_sp
  ON ${s}.runstate_entity_states (savepoint_id);
`;

/**
 * Schema version 2: each savepoint's application state version (0 for the
 * savepoints of version 1, which had none) and optional user metadata
 * (JSON text, kept byte for byte). `written_at` was recorded from version 1
 * on.
 *
 * @internal
 */
export const SCHEMA_V2 = (s: string): string => `
ALTER TABLE ${s}.runstate_savepoints
  ADD COLUMN app_version integer NOT NULL DEFAULT 0,
  ADD COLUMN metadata text;
`;

/**
 * `MIGRATIONS[v]` upgrades a schema from version `v` to `v + 1` (version 0:
 * no runstate tables).
 *
 * @internal
 */
export const MIGRATIONS: readonly ((schema: string) => string)[] = [
  SCHEMA_V1,
  SCHEMA_V2,
];

/**
 * The schema version this library writes and reads.
 *
 * @internal
 */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The first key of the advisory lock taken while creating or upgrading the
 * tables (`'runs'` in ASCII); the second is `hashtext(schema)`.
 *
 * @internal
 */
export const MIGRATION_LOCK = 0x72756e73;

/**
 * Quote a Postgres identifier.
 *
 * @internal
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The schema's runstate version: 0 when it has no runstate tables.
 *
 * @param db - a pool or client
 * @param schema - the schema name, unquoted
 * @throws `E_SCHEMA_VERSION` when the stored version is not a positive
 * integer.
 * @internal
 */
export async function readSchemaVersion(
  db: PgQueryable,
  schema: string,
): Promise<number> {
  const s = quoteIdent(schema);
  const meta = await db.query('SELECT to_regclass($1) AS t', [
    `${s}.runstate_meta`,
  ]);
  if ((meta.rows[0] as { t: unknown } | undefined)?.t == null) return 0;
  const result = await db.query(
    `SELECT value FROM ${s}.runstate_meta WHERE key = 'schema_version'`,
  );
  const value = (result.rows[0] as { value?: unknown } | undefined)?.value;
  const version = Number(value);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new RunStateError(
      'E_SCHEMA_VERSION',
      `${s}.runstate_meta.schema_version is ${JSON.stringify(value)}, not a version number`,
      { details: { found: value, supported: SCHEMA_VERSION } },
    );
  }
  return version;
}

/**
 * Create (with the schema itself when missing) or upgrade the runstate
 * tables in one transaction holding `pg_advisory_xact_lock`, so processes
 * opening the same new schema at once wait for each other instead of
 * racing `CREATE TABLE` (which `IF NOT EXISTS` does not make race-free).
 *
 * @returns the version found before migrating (0 for a new schema)
 * @throws `E_SCHEMA_VERSION` for a newer schema; driver errors as thrown.
 * @internal
 */
export async function migrate(pool: PgPool, schema: string): Promise<number> {
  return inTransaction(pool, 'BEGIN', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      MIGRATION_LOCK,
      schema,
    ]);
    const found = await readSchemaVersion(client, schema);
    checkSchemaVersion(found, SCHEMA_VERSION, true);
    if (found === SCHEMA_VERSION) return found;
    const s = quoteIdent(schema);
    const exists = await client.query(
      'SELECT 1 FROM pg_namespace WHERE nspname = $1',
      [schema],
    );
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    for (let version = found; version < SCHEMA_VERSION; version++) {
      await client.query((MIGRATIONS[version] ?? (() => ''))(s));
    }
    await client.query(
      `INSERT INTO ${s}.runstate_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(SCHEMA_VERSION)],
    );
    return found;
  });
}
