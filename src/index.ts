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
  notQuarantinedError,
} from './errors.js';
export type { ErrorCode, RunStateErrorOptions } from './errors.js';
export type { AbortOptions } from './abort.js';

export type {
  LoadMeasurement,
  MetricsRecorder,
  PersistMeasurement,
  RestartMeasurement,
  StoreProbeStatus,
} from './metrics/index.js';

export { silentLogger } from './logger.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export type { Logger } from './logger.js';

export {
  checkSchedule,
  previousSavepoint,
  nextSavepoint,
  unreachedSavepoints,
  unreachedSavepointsCount,
} from './schedule/index.js';
export type { Schedule } from './schedule/index.js';

export {
  NOT_SET,
  createEntityIndex,
  createSavepoint,
  saveToSavepoint,
  isComplete,
  entityStates,
  missingEntities,
} from './schedule/index.js';
export type {
  EntityIndex,
  Savepoint,
  SavepointSaveOutcome,
} from './schedule/index.js';

export { createRunState, saveToRunState } from './schedule/index.js';
export type {
  RunState,
  RunStateOptions,
  RunStateSaveResult,
  DiscardedSavepoints,
} from './schedule/index.js';

export { Entity } from './actors/entity.js';
export type { EntityStore, SaveTransform } from './actors/entity.js';

export { createStateStore, StateStore } from './actors/state-store/index.js';
export type { LeaseOptions } from './lease/index.js';
export type {
  StateStoreOptions,
  LoadedRunState,
  LoadRunStateOptions,
} from './actors/state-store/index.js';
export type { UpdateFunction } from './actors/state-store/index.js';
export type {
  PersistedInfo,
  StoreCounters,
} from './actors/state-store/index.js';
export type {
  StateStoreStatus,
  OpenSavepointStatus,
} from './actors/state-store/index.js';

export { resumeOrStart } from './actors/state-store/index.js';
export type {
  ResumeOrStartOptions,
  ResumeOrStartResult,
} from './actors/state-store/index.js';

export {
  defineMigrations,
  mapStates,
  checkMigrations,
  migrateRun,
  migrateRuns,
} from './migrate/index.js';
export type {
  MigrateOptions,
  MigrateRunResult,
  MigrateStatus,
  MigrateRunsOptions,
  MigrationProgress,
  MigrationReport,
  RunMigrationResult,
  MigrationContext,
  MigrationStep,
  MigrationSteps,
  Migrations,
} from './migrate/index.js';

export { BaseStorage } from './storage/index.js';
export type { BaseStorageOptions, MaybePromise } from './storage/index.js';
export { startRun, RunHandle } from './actors/run/index.js';
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
} from './actors/run/index.js';

export { Worker, startWorker } from './worker/index.js';
export type {
  ClaimInfo,
  CompletedInfo,
  ReleaseInfo,
  ReleaseReason,
  WorkerOptions,
  WorkerRunOptions,
  WorkerStatus,
} from './worker/index.js';
export { SavepointWatch, watchSavepoints } from './watch/index.js';
export type { SavepointEvent, WatchSavepointsOptions } from './watch/index.js';

export { MemoryStorage } from './storage/memory/index.js';
export type { MemoryStorageOptions } from './storage/memory/index.js';
export {
  createCodec,
  defaultCodec,
  encodeEntityState,
} from './storage/codec/index.js';
export type { Codec } from './storage/codec/index.js';
export { loadNewestSavepoint } from './storage/index.js';
export type { LoadedSavepoint, LoadNewestOptions } from './storage/index.js';
export { decorateStorage } from './storage/index.js';
export type {
  StorageCall,
  StorageHook,
  StorageHooks,
  StorageMethodName,
} from './storage/index.js';
export type {
  SavepointNotice,
  SavepointSubscriber,
  SavepointSubscription,
} from './storage/index.js';
export type {
  LeaseInfo,
  LeaseRequest,
  RunLease,
  JsonValue,
  QuarantinedInfo,
  ReplaceOutcome,
  ReplaceSavepointOptions,
  SavepointInfo,
  SavepointMeta,
  StorageAdapter,
  StoredSavepoint,
  StoredEntry,
  WriteSavepointOptions,
} from './storage/index.js';

export {
  encodeTagged,
  decodeTagged,
  exportSavepoint,
  importSavepoint,
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
} from './export/index.js';
export type {
  TaggedValue,
  ExportSavepointOptions,
  ImportSavepointOptions,
  ImportedSavepoint,
} from './export/index.js';
export {
  summarizeRuns,
  summarizeSavepoints,
  verifyStorage,
  diffValues,
  diffSavepoints,
  copyRuns,
  listQuarantinedSavepoints,
  restoreQuarantinedSavepoint,
} from './inspect/index.js';
export type {
  RunSummary,
  SavepointSummary,
  VerifyFailure,
  VerifyOptions,
  VerifyReport,
  ValueChange,
  DiffSavepointsOptions,
  SavepointDiff,
  CopyProgress,
  CopyRunsOptions,
  CopiedRun,
  CopyReport,
} from './inspect/index.js';
