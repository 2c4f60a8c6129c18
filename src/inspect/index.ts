/**
 * The inspect part: library functions behind the `runstate` command that
 * read, check, compare and copy what a storage holds.
 *
 * @packageDocumentation
 */
export {
  summarizeRuns,
  summarizeSavepoints,
  savepointBytes,
  type RunSummary,
  type SavepointSummary,
} from './summaries.js';
export {
  verifyStorage,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyReport,
} from './verify.js';
export { diffValues, type ValueChange } from './diff-values.js';
export {
  diffSavepoints,
  type DiffSavepointsOptions,
  type SavepointDiff,
} from './diff-savepoints.js';
export {
  copyRuns,
  type CopyProgress,
  type CopyRunsOptions,
  type CopiedRun,
  type CopyReport,
} from './copy-runs.js';
export {
  listQuarantinedSavepoints,
  restoreQuarantinedSavepoint,
} from './quarantine.js';
