/**
 * The Postgres storage backend, on node-postgres (`pg`). Published as the
 * `runstate/postgres` subpath: importing it does not load `pg` until a
 * storage is opened from a connection string.
 *
 * @packageDocumentation
 */

export { PostgresStorage } from './postgres-storage.js';
export type {
  PgPool,
  PgPoolClient,
  PgQueryable,
  PgQueryResult,
} from './postgres-driver.js';
export type { PostgresStorageOptions } from './postgres-options.js';
