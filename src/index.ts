/**
 * runstate: crash-safe, consistent savepoints for long-running stream
 * processors. The SQLite backend is a separate entry point
 * (`runstate/sqlite`) so that importing this module never loads a native
 * addon.
 *
 * @packageDocumentation
 */

export {
  RunStateError,
  isRunStateError,
  ensureError,
  notMonotonicError,
} from './errors.js';
export type { ErrorCode, RunStateErrorOptions } from './errors.js';
export type { AbortOptions } from './abort.js';

export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';

export {
  checkSchedule,
  previousSavepoint,
  nextSavepoint,
  unreachedSavepoints,
  unreachedSavepointsCount,
} from './schedule/schedule.js';
export type { Schedule } from './schedule/schedule.js';

export {
  NOT_SET,
  createEntityIndex,
  createSavepoint,
  saveToSavepoint,
  isComplete,
  entityStates,
  missingEntities,
} from './schedule/savepoint.js';
export type {
  EntityIndex,
  Savepoint,
  SavepointSaveOutcome,
} from './schedule/savepoint.js';

export { createRunState, saveToRunState } from './schedule/run-state.js';
export type {
  RunState,
  RunStateOptions,
  RunStateSaveResult,
  DiscardedSavepoints,
} from './schedule/run-state.js';

export { Entity } from './actors/entity.js';
export type { EntityStore, SaveTransform } from './actors/entity.js';

export { createStateStore, StateStore } from './actors/state-store.js';
export type {
  StateStoreOptions,
  LoadedRunState,
} from './actors/state-store-options.js';
export type { UpdateFunction } from './actors/state-store-io.js';
export type {
  PersistedInfo,
  StoreCounters,
} from './actors/state-store-types.js';
export type {
  StateStoreStatus,
  OpenSavepointStatus,
} from './actors/state-store-status.js';

export { resumeOrStart } from './actors/resume-or-start.js';
export type {
  ResumeOrStartOptions,
  ResumeOrStartResult,
} from './actors/resume-or-start.js';

export { BaseStorage } from './storage/base-storage.js';
export type {
  BaseStorageOptions,
  MaybePromise,
} from './storage/base-storage-options.js';
export { startRun, RunHandle } from './actors/run.js';
export type {
  RunMessage,
  EntityContext,
  Reducer,
  ReducerEntity,
  MachineEntity,
  EntityDefinition,
  RunOutput,
  LatenessPolicy,
  RestartInfo,
  RunOptions,
  RunCounters,
  RunStatus,
  RunResult,
} from './actors/run-types.js';

export { MemoryStorage } from './storage/memory.js';
export type { MemoryStorageOptions } from './storage/memory.js';
export {
  createCodec,
  defaultCodec,
  encodeEntityState,
} from './storage/codec.js';
export type { Codec } from './storage/codec.js';
export { loadNewestSavepoint } from './storage/load-newest.js';
export type { LoadedSavepoint } from './storage/load-newest.js';
export type {
  StorageAdapter,
  StoredSavepoint,
  StoredEntry,
  WriteSavepointOptions,
} from './storage/types.js';
