/**
 * The schedule part: pure savepoint assembly. When savepoints are due
 * (`schedule.ts`), one savepoint's entity states (`savepoint.ts`) and a
 * run's open savepoints (`run-state.ts`), with no I/O and no timers.
 *
 * @packageDocumentation
 */
export { createRunState, saveToRunState } from './run-state.js';
export type {
  DiscardedSavepoints,
  RunState,
  RunStateOptions,
  RunStateSaveResult,
} from './run-state.js';
export {
  NOT_SET,
  createEntityIndex,
  createSavepoint,
  entityStates,
  isComplete,
  missingEntities,
  saveToSavepoint,
} from './savepoint.js';
export type {
  EntityIndex,
  Savepoint,
  SavepointSaveOutcome,
} from './savepoint.js';
export {
  checkSchedule,
  nextSavepoint,
  previousSavepoint,
  unreachedSavepoints,
  unreachedSavepointsCount,
} from './schedule.js';
export type { Schedule } from './schedule.js';
