/**
 * The Redis storage backend, on node-redis (`redis`). Published as the
 * `runstate/redis` subpath: importing it does not load `redis` until a
 * storage is opened from a URL.
 *
 * @packageDocumentation
 */

export { RedisStorage } from './redis-storage.js';
export type { RedisClientLike, RedisStorageOptions } from './redis-options.js';
