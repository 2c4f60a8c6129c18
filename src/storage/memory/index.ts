/**
 * The in-memory storage backend: the reference implementation of the
 * storage contract.
 *
 * @packageDocumentation
 */

export { MemoryStorage } from './memory-storage.js';
export type { MemoryStorageOptions } from './memory-storage.js';
