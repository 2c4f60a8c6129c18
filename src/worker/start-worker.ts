/**
 * `startWorker`: the door to {@link Worker}, with its options checked.
 *
 * @packageDocumentation
 */
import type { RunMessage } from '../actors/run/index.js';
import { checkWorkerOptions, type WorkerOptions } from './worker-options.js';
import { Worker } from './worker.js';

/**
 * Share runs between processes: start a worker that owns a fair share of
 * `runs`, each run under `startRun` and its lease, and takes over the runs
 * of workers that die or stop.
 *
 * @remarks
 * Every worker holds a heartbeat lease (`runstate-worker:<group>:<id>`) on
 * the storage. Every `rebalanceEveryMs` it counts the live heartbeats
 * (`listLeases`), and keeps at most `ceil(runs / workers)` runs: it hands
 * over the excess (stops them: their savepoints are persisted and their
 * leases freed at once) and claims free runs up to its share with
 * `acquireLease`, which is atomic, so a run has one owner. A claimed run
 * starts with `startRun` under the worker's lease owner and resumes from
 * its newest savepoint. A worker that dies (SIGKILL, lost machine) stops
 * renewing: after `lease.ttlMs` its runs and its heartbeat expire, and the
 * others claim its runs at their next rebalance; one that was only paused
 * (SIGSTOP, a frozen VM) is fenced when it resumes (`E_FENCED`): none of
 * its writes lands. Coordination is the storage's leases, nothing else.
 *
 * @param options - see {@link WorkerOptions}
 * @returns the running {@link Worker}
 * @throws `TypeError`/`RangeError` for bad options, also for a storage
 *   without leases or `listLeases` (files).
 * @example
 * ```ts
 * const worker = startWorker({
 *   storage, // PostgresStorage or RedisStorage, shared by every process
 *   runs: tenants.map((t) => `orders-${t}`),
 *   run: (runId) => ({ schedule: 60_000, startFrom, entities, input: … }),
 *   lease: { ttlMs: 10_000 },
 * });
 * process.on('SIGTERM', () => void worker.stop());
 * ```
 * @see docs/scaling.md
 */
export function startWorker<M extends RunMessage = RunMessage, O = unknown>(
  options: WorkerOptions<M, O>,
): Worker {
  return Worker.start(checkWorkerOptions(options));
}
