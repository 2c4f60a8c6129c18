/**
 * Waiting out another connection's lock while a SQLite database is opened.
 *
 * @packageDocumentation
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { SqliteDatabase } from './sqlite-driver.js';

/** The first pause between attempts, doubled up to {@link MAX_PAUSE_MS}. */
const FIRST_PAUSE_MS = 2;
const MAX_PAUSE_MS = 50;

/** `SQLITE_BUSY` and its extended codes (`SQLITE_BUSY_RECOVERY`…). */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Run `body` (the synchronous setup of a connection) until it does not fail
 * with `SQLITE_BUSY`, for at most `budgetMs` in all.
 *
 * @remarks
 * `busy_timeout` alone does not cover opening: SQLite fails at once, without
 * calling the busy handler, where waiting could deadlock, as when two
 * connections switch a new file to WAL together or another one holds the
 * write lock meanwhile. So a busy `body` is run again after a short, growing
 * pause (jittered, so that processes starting together drift apart), and
 * the connection's `busy_timeout` is lowered to what remains of the budget
 * for each attempt, then set back to `busyTimeoutMs`.
 *
 * @param db - the connection `body` uses
 * @param busyTimeoutMs - the budget, and the `busy_timeout` to leave set
 * @param body - the setup; it must be safe to run again after it threw
 * @returns what `body` returned
 * @throws the last `SQLITE_BUSY` once the budget is spent, or any other
 * error of `body` at once.
 * @internal
 */
export async function retryWhileBusy<T>(
  db: SqliteDatabase,
  busyTimeoutMs: number,
  body: () => T,
): Promise<T> {
  const deadline = performance.now() + busyTimeoutMs;
  let pause = FIRST_PAUSE_MS;
  try {
    for (;;) {
      const remaining = Math.ceil(deadline - performance.now());
      db.pragma(`busy_timeout = ${Math.max(0, remaining)}`);
      try {
        return body();
      } catch (error) {
        if (!isBusy(error) || performance.now() >= deadline) throw error;
      }
      const wait = pause / 2 + (Math.random() * pause) / 2;
      await delay(Math.min(wait, Math.max(0, deadline - performance.now())));
      pause = Math.min(pause * 2, MAX_PAUSE_MS);
    }
  } finally {
    if (db.open) db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  }
}
