/**
 * Savepoint notices as backends deliver them to `watchSavepoints`: the
 * notice, the subscriber a backend calls, and the reconnecting loop that
 * backends with a listening connection (Postgres, Redis) share.
 *
 * @packageDocumentation
 */
import type { Logger } from '../logger.js';

/** One persisted savepoint, as a watcher hears of it. */
export interface SavepointNotice {
  /** The run the savepoint belongs to. */
  readonly runId: string;
  /** Its scheduled timestamp (epoch ms). */
  readonly timestamp: number;
  /** The savepoint's state version (`SavepointMeta.version`, 0 by default). */
  readonly version: number;
}

/**
 * What a backend's {@link StorageAdapter.subscribeSavepoints} calls. It
 * must not throw.
 */
export interface SavepointSubscriber {
  /** A savepoint was committed (announced only after its commit). */
  notice(notice: SavepointNotice): void;
  /** The listening connection was lost: notices may be missed until {@link SavepointSubscriber.resumed}. */
  lost(error: Error): void;
  /** Listening again after {@link SavepointSubscriber.lost}. */
  resumed(): void;
  /**
   * The subscription ended for good, not by its own `close()`: the
   * storage was closed (`E_CLOSED`). No notice follows. Optional for
   * subscribers; a storage that ends subscriptions on close should call
   * it (BaseStorage does).
   */
  ended?(error: Error): void;
}

/** A subscription to savepoint notices; `close()` is idempotent. */
export interface SavepointSubscription {
  /** Stop listening and release the connection. */
  close(): Promise<void>;
}

/**
 * Encode a notice as the backends send it: `<timestamp>:<version>:<runId>`
 * (the run id last, so it may hold any character).
 *
 * @internal
 */
export function encodeNotice(notice: SavepointNotice): string {
  return `${notice.timestamp}:${notice.version}:${notice.runId}`;
}

/**
 * Decode {@link encodeNotice}'s text; `undefined` for anything else.
 *
 * @internal
 */
export function decodeNotice(text: string): SavepointNotice | undefined {
  const first = text.indexOf(':');
  const second = text.indexOf(':', first + 1);
  if (first < 0 || second < 0) return undefined;
  const timestamp = Number(text.slice(0, first));
  const version = Number(text.slice(first + 1, second));
  if (!Number.isSafeInteger(timestamp) || !Number.isSafeInteger(version)) {
    return undefined;
  }
  return { runId: text.slice(second + 1), timestamp, version };
}

/** One connection that listens, as {@link listenWithRetry} drives it. @internal */
export interface Listening {
  /** Resolves when the connection is lost (or rejects then). */
  readonly lost: Promise<Error>;
  /** Stop listening and release the connection. */
  close(): Promise<void>;
}

const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Listen with `connect`, and after every loss tell `subscriber`, reconnect
 * (backing off from 50 ms to 2 s) and tell it again once listening.
 * Resolves once the first connection listens; a first failure rejects.
 *
 * @internal
 */
export async function listenWithRetry(
  connect: () => Promise<Listening>,
  subscriber: SavepointSubscriber,
  logger: Logger,
): Promise<SavepointSubscription> {
  let current: Listening | undefined = await connect();
  let closed = false;
  let stop = (): void => undefined;
  const stopped = new Promise<undefined>((resolve) => {
    stop = () => resolve(undefined);
  });
  const loop = async (): Promise<void> => {
    while (!closed && current !== undefined) {
      const error = await Promise.race([current.lost, stopped]);
      if (closed || error === undefined) return;
      await current.close().catch(() => undefined);
      current = undefined;
      subscriber.lost(error);
      logger.warn({ err: error }, 'savepoint notices lost; reconnecting');
      for (let delay = 50; !closed; delay = Math.min(2_000, delay * 2)) {
        try {
          current = await connect();
          break;
        } catch (retry) {
          logger.warn({ err: retry }, 'savepoint notices: reconnect failed');
          await pause(delay);
        }
      }
      if (closed) {
        await current?.close().catch(() => undefined);
        return;
      }
      subscriber.resumed();
    }
  };
  const running = loop();
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        closed = true;
        stop();
        await current?.close().catch(() => undefined);
        await running;
      })();
      return closing;
    },
  };
}
