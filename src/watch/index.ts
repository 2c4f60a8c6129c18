/**
 * Savepoint notifications across processes: `watchSavepoints` and its
 * options.
 *
 * @packageDocumentation
 */
export {
  SavepointWatch,
  watchSavepoints,
  type SavepointEvent,
} from './watch-savepoints.js';
export type { WatchSavepointsOptions } from './watch-options.js';
