/**
 * Savepoint notices of the Postgres backend: `pg_notify` inside the write
 * transaction (so only a committed savepoint is announced, and in commit
 * order), heard by `LISTEN` on a client checked out of the pool for as
 * long as someone watches.
 *
 * @packageDocumentation
 */
import type { Logger } from '../../logger.js';
import {
  decodeNotice,
  listenWithRetry,
  type Listening,
  type SavepointSubscriber,
  type SavepointSubscription,
} from '../savepoint-notices.js';
import type { PgPool, PgPoolClient } from './postgres-driver.js';
import { noticeChannel, unkey } from './postgres-sql.js';

/** A checked-out client that hears notifications. */
type ListeningClient = PgPoolClient & {
  on(
    event: 'notification',
    listener: (message: { channel: string; payload?: string }) => void,
  ): unknown;
  on(event: 'end', listener: () => void): unknown;
};

const quoted = (channel: string): string => `"${channel.replace(/"/g, '""')}"`;

/** Check a client out and `LISTEN` on it; resolves once listening. */
async function listenOnce(
  pool: PgPool,
  channel: string,
  subscriber: SavepointSubscriber,
): Promise<Listening> {
  const client = (await pool.connect()) as ListeningClient;
  let lose: (error: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => {
    lose = resolve;
  });
  client.on('error', (error) => lose(error));
  client.on('end', () => lose(new Error('the LISTEN connection ended')));
  client.on('notification', (message) => {
    if (message.channel !== channel || message.payload === undefined) return;
    const notice = decodeNotice(message.payload);
    // The run id travels escaped, as stored (a NUL is no valid text).
    if (notice !== undefined) {
      subscriber.notice({ ...notice, runId: unkey(notice.runId) });
    }
  });
  try {
    await client.query(`LISTEN ${quoted(channel)}`);
  } catch (error) {
    client.release(true);
    throw error;
  }
  let released = false;
  return {
    lost,
    async close() {
      if (released) return;
      released = true;
      // Destroyed, not returned: a pooled client would keep listening.
      client.release(true);
      await Promise.resolve();
    },
  };
}

/**
 * Listen to the savepoint notices of `schema`, reconnecting after a lost
 * connection.
 *
 * @internal
 */
export function listenForSavepoints(
  pool: PgPool,
  schema: string,
  subscriber: SavepointSubscriber,
  logger: Logger,
): Promise<SavepointSubscription> {
  const channel = noticeChannel(schema);
  return listenWithRetry(
    () => listenOnce(pool, channel, subscriber),
    subscriber,
    logger,
  );
}
