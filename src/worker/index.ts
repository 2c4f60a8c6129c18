/**
 * Many runs over many processes: `startWorker`, its options and status.
 *
 * @packageDocumentation
 */
export { Worker, startWorker, type WorkerStatus } from './worker.js';
export type {
  ClaimInfo,
  CompletedInfo,
  ReleaseInfo,
  ReleaseReason,
  WorkerOptions,
  WorkerRunOptions,
} from './worker-options.js';
