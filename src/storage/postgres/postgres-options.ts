/**
 * Options of the Postgres backend, and how an owned pool is created.
 *
 * @packageDocumentation
 */
import { storageError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { checkLogger, show } from '../../validate.js';
import type { PgPool } from './postgres-driver.js';

/**
 * Options of {@link PostgresStorage.open}. Give exactly one of
 * `connectionString` and `pool`.
 */
export interface PostgresStorageOptions {
  /**
   * A Postgres URL (`postgres://user@host:5432/db`). runstate creates a
   * `pg.Pool` from it (loading `pg` on demand) and ends that pool in
   * `close()`.
   */
  readonly connectionString?: string;
  /**
   * A `pg.Pool` owned by the caller. runstate checks clients out of it and
   * releases them, but never ends it. Give it an `'error'` listener: pg
   * reports a lost idle connection there.
   */
  readonly pool?: PgPool;
  /**
   * The Postgres schema holding the `runstate_*` tables; created when
   * missing (on a writable open).
   *
   * @defaultValue 'public'
   */
  readonly schema?: string;
  /**
   * Refuse every write with `E_READ_ONLY`. A pool created from
   * `connectionString` also sets `default_transaction_read_only`, so the
   * server refuses writes too.
   *
   * @defaultValue false
   */
  readonly readOnly?: boolean;
  /** Receives debug messages about opening and schema upgrades. */
  readonly logger?: Logger;
}

/** The validated options, with defaults filled in. @internal */
export interface PostgresConfig {
  readonly source:
    { readonly connectionString: string } | { readonly pool: PgPool };
  readonly schema: string;
  readonly readOnly: boolean;
  readonly logger: Logger | undefined;
}

function checkSource(o: PostgresStorageOptions): PostgresConfig['source'] {
  const { connectionString, pool } = o;
  if ((connectionString === undefined) === (pool === undefined)) {
    throw new TypeError(
      'PostgresStorage.open() needs exactly one of options.connectionString (a postgres:// URL) and options.pool (a pg.Pool)',
    );
  }
  if (pool !== undefined) {
    const p = pool as Partial<PgPool> | null;
    if (typeof p?.connect !== 'function' || typeof p.query !== 'function') {
      throw new TypeError(`options.pool must be a pg.Pool, got ${show(pool)}`);
    }
    return { pool };
  }
  if (typeof connectionString !== 'string' || connectionString.length === 0) {
    throw new TypeError(
      `options.connectionString must be a non-empty postgres:// URL, got ${show(connectionString)}`,
    );
  }
  return { connectionString };
}

function checkSchemaName(schema: unknown): string {
  if (schema === undefined) return 'public';
  if (typeof schema !== 'string') {
    throw new TypeError(
      `options.schema must be a string naming a Postgres schema, got ${show(schema)}`,
    );
  }
  if (
    schema.length === 0 ||
    Buffer.byteLength(schema) > 63 ||
    schema.includes('\0')
  ) {
    throw new RangeError(
      `options.schema must be 1 to 63 bytes without NUL (a Postgres identifier), got ${show(schema)}`,
    );
  }
  return schema;
}

/**
 * Validate {@link PostgresStorageOptions}.
 *
 * @throws `TypeError` or `RangeError` naming the option and the fix.
 * @internal
 */
export function checkPostgresOptions(options: unknown): PostgresConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `PostgresStorage.open() options must be an object like { connectionString: 'postgres://…' }, got ${show(options)}`,
    );
  }
  const o = options as PostgresStorageOptions;
  const source = checkSource(o);
  if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean') {
    throw new TypeError(
      `options.readOnly must be a boolean, got ${show(o.readOnly)}`,
    );
  }
  return Object.freeze({
    source,
    schema: checkSchemaName(o.schema),
    readOnly: o.readOnly ?? false,
    logger: checkLogger('options.logger', o.logger, undefined),
  });
}

/**
 * Create a pool for `connectionString`, loading `pg` only now. Connection
 * errors are logged, not thrown (an unhandled `'error'` event, on the pool
 * or on one of its clients, would crash the process); the next query gets a
 * fresh connection.
 *
 * @throws `E_STORAGE` when `pg` is not installed.
 * @internal
 */
export async function createPool(
  connectionString: string,
  readOnly: boolean,
  logger: Logger,
): Promise<PgPool> {
  const pg = await import('pg').then(
    (module) => module.default,
    (error: unknown) => {
      throw storageError(error, 'loading pg (install it: npm install pg)');
    },
  );
  const pool = new pg.Pool({
    connectionString,
    application_name: 'runstate',
    ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  pool.on('error', (error) => {
    logger.warn(
      { err: error, code: (error as { code?: unknown }).code },
      'runstate Postgres pool: an idle connection failed and was discarded',
    );
  });
  // pg-pool takes its idle 'error' listener off a client when it hands the
  // client out, before the promise of connect() resolves: a connection
  // killed in that gap (the server's message can sit in the same read as the
  // previous reply) is emitted as 'error' on a client nobody listens to,
  // which crashes the process. Seen in the soak with pg_terminate_backend.
  // So every client gets a listener of its own for its whole life; the
  // failure itself surfaces through the client's next query.
  pool.on('connect', (client) => {
    client.on('error', (error: Error) => {
      logger.debug(
        { err: error, code: (error as { code?: unknown }).code },
        'runstate Postgres: a connection failed',
      );
    });
  });
  return pool;
}
