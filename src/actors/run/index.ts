/**
 * The run supervisor: `startRun` wires entities, input and outputs to a
 * StateStore, and restarts from the newest savepoint when an entity, the
 * input or the storage fails.
 *
 * @packageDocumentation
 */
export type {
  EntityContext,
  EntityDefinition,
  LatenessPolicy,
  MachineEntity,
  Reducer,
  ReducerEntity,
  RestartInfo,
  RunMessage,
  RunOptions,
  RunOutput,
} from './run-types.js';
export type { RunCounters, RunResult, RunStatus } from './run-status.js';
export { RunHandle, startRun } from './run.js';
