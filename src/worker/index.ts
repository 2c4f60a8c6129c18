/**
 * Many runs over many processes: `startWorker`, its options and status.
 *
 * @packageDocumentation
 */
export { startWorker } from './start-worker.js';
export { Worker } from './worker.js';
export type { WorkerStatus } from './worker-status.js';
export type {
  ClaimInfo,
  CompletedInfo,
  ReleaseInfo,
  ReleaseReason,
  WorkerOptions,
  WorkerRunOptions,
} from './worker-options.js';
