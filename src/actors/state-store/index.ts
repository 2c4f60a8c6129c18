/**
 * The StateStore actor: one per run, it collects the entities' saves,
 * assembles complete savepoints and persists each one through a storage.
 * `resumeOrStart` loads the newest savepoint or starts fresh.
 *
 * @packageDocumentation
 */
export { resumeOrStart } from './resume-or-start.js';
export type {
  ResumeOrStartOptions,
  ResumeOrStartResult,
} from './resume-or-start.js';
export type { UpdateFunction } from './state-store-io.js';
export type {
  LoadRunStateOptions,
  LoadedRunState,
  StateStoreOptions,
} from './state-store-options.js';
export type {
  OpenSavepointStatus,
  StateStoreStatus,
} from './state-store-status.js';
export type { PersistedInfo, StoreCounters } from './state-store-types.js';
export { StateStore, createStateStore } from './state-store.js';
export { guardedMetrics } from './state-store-metrics.js';
