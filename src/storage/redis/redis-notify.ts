/**
 * Savepoint notices of the Redis backend: the commit script `PUBLISH`es
 * each committed savepoint on the prefix's channel (atomically with the
 * commit, so in commit order and never for a write that did not land);
 * watchers `SUBSCRIBE` on a duplicate of the storage's client.
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
import type { RedisClientLike } from './redis-options.js';

/** The channel of one prefix's notices. @internal */
export function noticeChannel(prefix: string): string {
  return `${prefix}savepoints`;
}

/** The client name of a notice subscriber (`CLIENT LIST`). @internal */
export const SUBSCRIBER_NAME = 'runstate-notices';

/** A node-redis client in subscriber mode: the subset used here. */
interface SubscriberClient {
  connect(): Promise<unknown>;
  subscribe(
    channel: string,
    listener: (message: string, channel: string) => void,
  ): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  destroy(): void;
}

/** A client that can make a new one with its own settings (node-redis). */
interface Duplicable {
  duplicate(overrides: object): SubscriberClient;
}

/** Whether `client` can make a subscriber (`duplicate()`). */
function canSubscribe(client: RedisClientLike): boolean {
  return typeof (client as Partial<Duplicable>).duplicate === 'function';
}

async function subscribeOnce(
  client: RedisClientLike,
  channel: string,
  subscriber: SavepointSubscriber,
): Promise<Listening> {
  // No reconnection inside node-redis: a loss must be seen (and said).
  const sub = (client as unknown as Duplicable).duplicate({
    name: SUBSCRIBER_NAME,
    socket: { reconnectStrategy: false },
  });
  let lose: (error: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => {
    lose = resolve;
  });
  sub.on('error', (error) => lose(error));
  sub.on('end', () => lose(new Error('the Redis subscriber disconnected')));
  try {
    await sub.connect();
    await sub.subscribe(channel, (message) => {
      const notice = decodeNotice(message);
      if (notice !== undefined) subscriber.notice(notice);
    });
  } catch (error) {
    sub.destroy();
    throw error;
  }
  return {
    lost,
    close: () => Promise.resolve(sub.destroy()),
  };
}

/**
 * Subscribe to the savepoint notices of `prefix`, reconnecting after a
 * lost connection.
 *
 * @internal
 */
export function subscribeToSavepoints(
  client: RedisClientLike,
  prefix: string,
  subscriber: SavepointSubscriber,
  logger: Logger,
): Promise<SavepointSubscription> {
  if (!canSubscribe(client)) {
    throw new TypeError(
      'savepoint notices need a node-redis client with duplicate()',
    );
  }
  const channel = noticeChannel(prefix);
  return listenWithRetry(
    () => subscribeOnce(client, channel, subscriber),
    subscriber,
    logger,
  );
}
