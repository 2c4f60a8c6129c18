/**
 * The part of the node-postgres (`pg`) API that the Postgres backend uses,
 * declared structurally so that importing runstate never loads `pg`.
 *
 * @packageDocumentation
 */
import type { Writable } from 'node:stream';

/**
 * The result of a query: the subset of pg's `QueryResult` used by runstate.
 */
export interface PgQueryResult {
  /** The rows, as objects keyed by column name. */
  readonly rows: unknown[];
  /** Rows inserted, updated, deleted or returned (`null` for some commands). */
  readonly rowCount: number | null;
}

/**
 * Something that runs a parameterised query: a pool or a checked-out client.
 */
export interface PgQueryable {
  /** Run one statement with `$1…$n` parameters. */
  query(text: string, values?: unknown[]): Promise<PgQueryResult>;
}

/**
 * A client checked out of a pool: the subset of pg's `PoolClient` used by
 * runstate.
 */
export interface PgPoolClient extends PgQueryable {
  /** Run one statement with `$1…$n` parameters. */
  query(text: string, values?: unknown[]): Promise<PgQueryResult>;
  /** Start a `COPY … FROM STDIN` stream (a `pg-copy-streams` submittable). */
  query<S extends Writable>(submittable: S): S;
  /**
   * Return the client to its pool; passing an error (or `true`) destroys it
   * instead, as runstate does after a failure that may have broken it.
   */
  release(error?: Error | boolean): void;
  /** Listen for connection errors while the client is checked out. */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Stop listening. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * A connection pool: the subset of pg's `Pool` used by runstate. Any `pg`
 * (v8 or later) `Pool` satisfies it.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * const pool: PgPool = new pg.Pool({ connectionString: process.env.PG_URL });
 * ```
 */
export interface PgPool extends PgQueryable {
  /** Check a client out for a transaction. */
  connect(): Promise<PgPoolClient>;
  /** Close every connection of the pool. */
  end(): Promise<void>;
}

/** Whether `error` carries a code of its own (SQLSTATE, errno, `E_…`). */
const hasCode = (error: unknown): boolean =>
  typeof (error as { code?: unknown } | null)?.code === 'string';

/**
 * Run `body` in one transaction on one checked-out client: `BEGIN`, then
 * `COMMIT` when it resolves or `ROLLBACK` when it throws; the client is
 * released in `finally`, and destroyed (not reused) when the rollback
 * failed too, since the connection is then broken.
 *
 * @remarks
 * A connection lost between two statements (a terminated backend) is
 * reported by pg only as the client's `'error'` event, with the server's
 * error (SQLSTATE `57P01`…); the next statement then fails with a generic
 * "not queryable" error without a code. That generic error is replaced by
 * the connection's own error, so the caller's `cause` says what happened.
 *
 * @param pool - where to check the client out
 * @param begin - the opening statement (`BEGIN`, `BEGIN READ ONLY`…)
 * @param body - the statements; must not leak the client
 * @throws what a statement threw, or the connection's error (see remarks)
 * @internal
 */
export async function inTransaction<T>(
  pool: PgPool,
  begin: string,
  body: (client: PgPoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // Without a listener, a connection error would crash the process; the
  // first one is kept to explain the failure of the next statement.
  let lost: Error | undefined;
  const record = (error: Error): void => {
    lost ??= error;
  };
  client.on('error', record);
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken =
        rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK');
    });
    throw lost !== undefined && !hasCode(error) ? lost : error;
  } finally {
    client.removeListener('error', record);
    client.release(broken);
  }
}
