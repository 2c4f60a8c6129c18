/**
 * Options of the Redis backend, the structural subset of the node-redis
 * client it uses, and how a client is created from a URL.
 *
 * @packageDocumentation
 */
import { storageError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { checkLogger, show } from '../../validate.js';
import { DEFAULT_PREFIX } from './redis-keys.js';

/**
 * The part of a node-redis (v5 or later) client that runstate uses: a
 * `createClient()` result, after `await client.connect()`.
 */
export interface RedisClientLike {
  /** Whether the socket is open (also while reconnecting). */
  readonly isOpen: boolean;
  /** Whether the client is connected and accepting commands. */
  readonly isReady: boolean;
  /** Send one raw command; `options.typeMapping` decides reply types. */
  sendCommand(
    args: readonly (string | Buffer)[],
    options?: { readonly typeMapping?: Readonly<Record<number, unknown>> },
  ): Promise<unknown>;
}

/** A client runstate created and therefore closes. @internal */
export interface OwnedRedisClient extends RedisClientLike {
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Options of {@link RedisStorage.open}. Give exactly one of `url` and
 * `client`.
 */
export interface RedisStorageOptions {
  /**
   * A Redis URL (`redis://user:pass@host:6379/0`, `rediss://…` for TLS).
   * runstate loads `redis`, creates a client with `disableOfflineQueue:
   * true` and client name `runstate`, connects it, and closes it in
   * `close()`.
   */
  readonly url?: string;
  /**
   * A connected node-redis client owned by the caller. runstate never
   * closes or reconfigures it, and never adds an `error` listener to it.
   */
  readonly client?: RedisClientLike;
  /**
   * Prepended to every key, so several storages share one Redis database.
   * Use one with its own hash tag (`'{runstate}:'`) on Redis Cluster.
   *
   * @defaultValue 'runstate:'
   */
  readonly prefix?: string;
  /**
   * Refuse every write with `E_READ_ONLY`.
   *
   * @defaultValue false
   */
  readonly readOnly?: boolean;
  /** Receives a warning for each error event of a client created from `url`. */
  readonly logger?: Logger;
}

/** The validated options, with defaults filled in. @internal */
export interface RedisConfig {
  readonly source:
    { readonly url: string } | { readonly client: RedisClientLike };
  readonly prefix: string;
  readonly readOnly: boolean;
  readonly logger: Logger | undefined;
}

function checkSource(o: RedisStorageOptions): RedisConfig['source'] {
  const { url, client } = o;
  if ((url === undefined) === (client === undefined)) {
    throw new TypeError(
      'RedisStorage.open() needs exactly one of options.url (like "redis://127.0.0.1:6379") and options.client (a connected node-redis client)',
    );
  }
  if (client !== undefined) {
    if (
      client === null ||
      typeof (client as Partial<RedisClientLike>).sendCommand !== 'function'
    ) {
      throw new TypeError(
        `options.client must be a node-redis client, got ${show(client)}`,
      );
    }
    if (!client.isOpen) {
      throw new TypeError(
        'options.client is not connected: await client.connect() before RedisStorage.open()',
      );
    }
    return { client };
  }
  if (typeof url !== 'string' || url.length === 0) {
    throw new TypeError(
      `options.url must be a non-empty Redis URL like "redis://127.0.0.1:6379", got ${show(url)}`,
    );
  }
  return { url };
}

/**
 * Validate {@link RedisStorageOptions}.
 *
 * @throws `TypeError` naming the option and the fix.
 * @internal
 */
export function checkRedisOptions(options: unknown): RedisConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `RedisStorage.open() options must be an object like { url: 'redis://127.0.0.1:6379' }, got ${show(options)}`,
    );
  }
  const o = options as RedisStorageOptions;
  const source = checkSource(o);
  if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean') {
    throw new TypeError(
      `options.readOnly must be a boolean, got ${show(o.readOnly)}`,
    );
  }
  const prefix = o.prefix === undefined ? DEFAULT_PREFIX : o.prefix;
  if (typeof prefix !== 'string') {
    throw new TypeError(
      `options.prefix must be a string like 'runstate:', got ${show(prefix)}`,
    );
  }
  return Object.freeze({
    source,
    prefix,
    readOnly: o.readOnly ?? false,
    logger: checkLogger('options.logger', o.logger, undefined),
  });
}

/**
 * Create and connect a client for `url`, loading `redis` only now.
 *
 * @throws `E_STORAGE` when `redis` is missing or the connection fails.
 * @internal
 */
export async function connectClient(
  url: string,
  logger: Logger,
): Promise<OwnedRedisClient> {
  const { createClient } = await import('redis').catch((error: unknown) => {
    throw storageError(error, 'loading redis (install it: npm install redis)');
  });
  let connected = false;
  const client = createClient({
    url,
    name: 'runstate',
    disableOfflineQueue: true,
    socket: {
      // Give up at once when the first connection fails; once connected,
      // retry with a growing delay (capped at 2 s) forever.
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(50 * 2 ** retries, 2000) : cause,
    },
  }) as unknown as OwnedRedisClient;
  client.on('error', (error) => {
    logger.warn({ error }, 'runstate Redis client error');
  });
  try {
    await client.connect();
    connected = true;
    return client;
  } catch (error) {
    client.destroy();
    throw storageError(error, 'connecting to Redis', { url: redact(url) });
  }
}

/** The URL without its password, for error details. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
