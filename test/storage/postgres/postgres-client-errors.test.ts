/**
 * A connection of the storage's own pool that fails while no query runs
 * (e.g. killed by the server just as pg-pool hands the client out, before
 * `connect()` resolves) must not crash the process with an unhandled
 * `'error'` event. Found by the soak (docs/reliability.md).
 */
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPool } from '../../../src/storage/postgres/postgres-options.js';

const url = process.env.RUNSTATE_PG_URL;
if (url === undefined) {
  console.warn(
    '\n*** POSTGRES CLIENT-ERROR TEST SKIPPED: RUNSTATE_PG_URL is not set ***\n',
  );
}

describe.skipIf(url === undefined)('createPool() clients', () => {
  it('every client listens to its own errors, even while checked out', async () => {
    const debug: unknown[] = [];
    const noop = () => undefined;
    const logger = {
      debug: (bindings: unknown) => debug.push(bindings),
      info: noop,
      warn: noop,
      error: noop,
    };
    const pool = await createPool(url!, false, logger);
    try {
      const client = await pool.connect();
      // pg-pool took its idle listener off: only ours is left.
      expect((client as unknown as pg.PoolClient).listenerCount('error')).toBe(
        1,
      );
      const error = Object.assign(new Error('terminating connection'), {
        code: '57P01',
      });
      expect(() =>
        (client as unknown as pg.PoolClient).emit('error', error),
      ).not.toThrow();
      expect(debug).toEqual([{ err: error, code: '57P01' }]);
      client.release(true);
    } finally {
      await pool.end();
    }
  });
});
