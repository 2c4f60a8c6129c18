/**
 * The part of the better-sqlite3 API that the SQLite backend uses, declared
 * structurally so that importing runstate never loads the native addon.
 *
 * @packageDocumentation
 */

/**
 * A prepared statement: the subset of better-sqlite3's `Statement` used by
 * runstate.
 *
 * @remarks
 * Declared structurally (not imported from `better-sqlite3`) so the SQLite
 * backend has no hard dependency on the driver's types.
 */
export interface SqliteStatement {
  /** Execute and report changed rows and the last inserted rowid. */
  run(...params: unknown[]): {
    changes: number;
    lastInsertRowid: number | bigint;
  };
  /** The first row, or `undefined`. */
  get(...params: unknown[]): unknown;
  /** Every row. */
  all(...params: unknown[]): unknown[];
  /** Return rows as arrays instead of objects. */
  raw(toggle?: boolean): this;
  /** Return only the first column of each row. */
  pluck(toggle?: boolean): this;
  /** Return integers as `bigint` (runstate turns this off). */
  safeIntegers(toggle?: boolean): this;
}

/**
 * A function wrapped by `Database#transaction`: calling it runs the function
 * inside `BEGIN`…`COMMIT` (rolled back when it throws).
 */
export interface SqliteTransaction<A extends unknown[], R> {
  /** Run in a deferred transaction. */
  (...args: A): R;
  /** Run in a `BEGIN IMMEDIATE` transaction (takes the write lock first). */
  immediate(...args: A): R;
}

/**
 * A SQLite connection: the subset of better-sqlite3's `Database` used by
 * runstate. Any better-sqlite3 (v11 or later) `Database` satisfies it.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * const database: SqliteDatabase = new Database('state.db');
 * ```
 */
export interface SqliteDatabase {
  /** Whether the connection is an in-memory database. */
  readonly memory: boolean;
  /** Whether the connection was opened read-only. */
  readonly readonly: boolean;
  /** Whether the connection is open. */
  readonly open: boolean;
  /** Compile a statement. */
  prepare(source: string): SqliteStatement;
  /** Run one or more statements without results. */
  exec(source: string): unknown;
  /** Run a pragma; `{ simple: true }` returns the first value. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Wrap a synchronous function in a transaction. */
  transaction<A extends unknown[], R>(
    fn: (...args: A) => R,
  ): SqliteTransaction<A, R>;
  /** Close the connection. */
  close(): unknown;
}
