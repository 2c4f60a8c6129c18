/**
 * The storage part's core: the storage contract every backend implements,
 * `BaseStorage` (argument checks, lifecycle, the monotonic rule) and
 * `loadNewestSavepoint`. Each backend is a folder of its own beside this
 * one (`memory/`, `sqlite/`, `file/`, `postgres/`, `redis/`), reached
 * through its `index.ts`; the codec is `codec/`.
 *
 * @packageDocumentation
 */
export type {
  BaseStorageOptions,
  MaybePromise,
} from './base-storage-options.js';
export { BaseStorage } from './base-storage.js';
export { loadNewestSavepoint } from './load-newest.js';
export type { LoadedSavepoint, LoadNewestOptions } from './load-newest.js';
export { decorateStorage } from './decorate.js';
export type {
  StorageCall,
  StorageHook,
  StorageHooks,
  StorageMethodName,
} from './decorate.js';
export type {
  JsonValue,
  QuarantinedInfo,
  ReplaceOutcome,
  ReplaceSavepointOptions,
  SavepointInfo,
  SavepointMeta,
  StorageAdapter,
  StoredEntry,
  StoredSavepoint,
  WriteSavepointOptions,
} from './types.js';
/** @internal */
export { checkVersion, checkMetadata, DEFAULT_META } from './savepoint-meta.js';
