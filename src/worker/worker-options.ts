/**
 * The options of `startWorker`, the events it reports, and their check.
 *
 * @packageDocumentation
 */
import type { RunMessage, RunOptions, RunResult } from '../actors/run/index.js';
import { newOwnerId } from '../lease/index.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { MaybePromise, StorageAdapter } from '../storage/index.js';
import {
  checkFunction,
  checkId,
  checkLogger,
  checkOptions,
  checkPositiveInteger,
  show,
} from '../validate.js';

/** A run's options inside a worker: the worker sets the rest. */
export type WorkerRunOptions<
  M extends RunMessage = RunMessage,
  O = unknown,
> = Omit<RunOptions<M, O>, 'runId' | 'storage' | 'lease'>;

/** Why a worker let a run go ({@link WorkerOptions.onReleased}). */
export type ReleaseReason =
  'handed-over' | 'removed' | 'stopped' | 'lost' | 'failed';

/** What {@link WorkerOptions.onClaimed} receives. */
export interface ClaimInfo {
  /** The run claimed. */
  readonly runId: string;
  /** The fencing token of the claim: greater than every earlier owner's. */
  readonly token: number;
}

/** What {@link WorkerOptions.onReleased} receives. */
export interface ReleaseInfo {
  /** The run let go. */
  readonly runId: string;
  /**
   * `'handed-over'`: more than this worker's share (a worker joined);
   * `'removed'`: no longer in `runs`; `'stopped'`: the worker stops;
   * `'lost'`: another owner took it over (`E_FENCED`); `'failed'`: the
   * run failed (`error`), and this worker retries it no sooner than
   * `retryFailedAfterMs`.
   */
  readonly reason: ReleaseReason;
  /**
   * The failure, for `'failed'` and `'lost'`: a `RunStateError` when the
   * run failed or was fenced (its `code` says why); for `'failed'` also
   * the error `run(runId)` threw, or the `TypeError`/`RangeError` of the
   * options it returned.
   */
  readonly error?: Error;
}

/** What {@link WorkerOptions.onCompleted} receives. */
export interface CompletedInfo {
  /** The run whose input ended. */
  readonly runId: string;
  /** Its result (final states, newest savepoint). */
  readonly result: RunResult;
}

/** Options of {@link startWorker}. */
export interface WorkerOptions<M extends RunMessage = RunMessage, O = unknown> {
  /**
   * Shared by every worker of the group: a storage with run leases and
   * `listLeases` (SQLite, Postgres, Redis, memory; not files). Not closed
   * by the worker.
   */
  readonly storage: StorageAdapter;
  /**
   * The runs the workers of the group share: a list, or a function read
   * at every rebalance (a run that leaves it is stopped).
   */
  readonly runs: readonly string[] | (() => MaybePromise<Iterable<string>>);
  /** The options of one run (its input, entities, schedule…). */
  readonly run: (runId: string) => WorkerRunOptions<M, O>;
  /**
   * Workers of one group share its runs; groups ignore each other.
   *
   * @defaultValue `'default'`
   */
  readonly group?: string;
  /**
   * This worker's id: the owner of its leases. Unique per process, and new
   * for every start (a restarted worker must not reuse its predecessor's).
   *
   * @defaultValue `<hostname>:<pid>:<random>`
   */
  readonly id?: string;
  /**
   * The lease of each run and of the worker's own heartbeat. `ttlMs` is
   * the failover time: a dead worker's runs are claimed by others after at
   * most `ttlMs` + `rebalanceEveryMs`.
   *
   * @defaultValue `{ ttlMs: 10 000, renewEveryMs: ttlMs / 3 }`
   */
  readonly lease?: { readonly ttlMs?: number; readonly renewEveryMs?: number };
  /**
   * How often the worker counts live workers, hands over runs above its
   * share and claims free runs below it.
   *
   * @defaultValue the lease's `renewEveryMs`
   */
  readonly rebalanceEveryMs?: number;
  /**
   * How long a run that failed waits before this worker claims it again.
   *
   * @defaultValue 30 000
   */
  readonly retryFailedAfterMs?: number;
  /** Where the worker logs; given to each run unless it has its own. */
  readonly logger?: Logger;
  /** A run was claimed and started. */
  readonly onClaimed?: (info: ClaimInfo) => void;
  /** A run was let go (stopped, its lease freed or lost). */
  readonly onReleased?: (info: ReleaseInfo) => void;
  /**
   * A run's input ended: the worker keeps its lease (so no other worker
   * starts it again) until it leaves `runs` or the worker stops.
   */
  readonly onCompleted?: (info: CompletedInfo) => void;
}

/** Checked options. @internal */
export interface WorkerConfig {
  readonly storage: StorageAdapter;
  readonly runs: () => MaybePromise<Iterable<string>>;
  readonly run: (runId: string) => WorkerRunOptions;
  readonly group: string;
  readonly id: string;
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly rebalanceEveryMs: number;
  readonly retryFailedAfterMs: number;
  readonly logger: Logger;
  readonly onClaimed: (info: ClaimInfo) => void;
  readonly onReleased: (info: ReleaseInfo) => void;
  readonly onCompleted: (info: CompletedInfo) => void;
}

const noop = (): void => undefined;

function checkStorage(storage: unknown): StorageAdapter {
  const s = storage as Partial<StorageAdapter> | null;
  if (
    s === null ||
    typeof s !== 'object' ||
    s.leases !== true ||
    typeof s.acquireLease !== 'function' ||
    typeof s.listLeases !== 'function'
  ) {
    throw new TypeError(
      `options.storage must be a storage with run leases and listLeases() (SQLite, Postgres, Redis, memory), got ${show(storage)}`,
    );
  }
  if (s.readOnly === true) {
    throw new TypeError('options.storage must be writable, not read-only');
  }
  return s as StorageAdapter;
}

function checkRuns(runs: unknown): () => MaybePromise<Iterable<string>> {
  if (typeof runs === 'function') {
    return runs as () => MaybePromise<Iterable<string>>;
  }
  if (!Array.isArray(runs)) {
    throw new TypeError(
      `options.runs must be a list of run ids or a function returning one, got ${show(runs)}`,
    );
  }
  const ids = runs.map((id, i) => checkId(`options.runs[${i}]`, id));
  return () => ids;
}

function optional<F>(name: string, value: unknown, fallback: F): F {
  if (value === undefined) return fallback;
  checkFunction(name, value);
  return value as F;
}

/**
 * Check the options of `startWorker`, filling in defaults.
 *
 * @throws `TypeError`/`RangeError` naming the option and the value.
 * @internal
 */
export function checkWorkerOptions(value: unknown): WorkerConfig {
  checkOptions('options', value);
  if (value === undefined) {
    throw new TypeError(
      'options must be an object like { storage, runs, run }, got undefined',
    );
  }
  const o = value as WorkerOptions;
  checkFunction('options.run', o.run);
  if (o.lease !== undefined) checkOptions('options.lease', o.lease);
  const ttlMs =
    o.lease?.ttlMs === undefined
      ? 10_000
      : checkPositiveInteger('options.lease.ttlMs', o.lease.ttlMs);
  const renewEveryMs =
    o.lease?.renewEveryMs === undefined
      ? Math.max(1, Math.floor(ttlMs / 3))
      : checkPositiveInteger(
          'options.lease.renewEveryMs',
          o.lease.renewEveryMs,
        );
  if (renewEveryMs >= ttlMs) {
    throw new RangeError(
      `options.lease.renewEveryMs must be less than options.lease.ttlMs (${ttlMs}), got ${renewEveryMs}`,
    );
  }
  const every = (name: string, v: unknown, fallback: number): number =>
    v === undefined ? fallback : checkPositiveInteger(name, v);
  return Object.freeze({
    storage: checkStorage(o.storage),
    runs: checkRuns(o.runs),
    run: o.run,
    group:
      o.group === undefined ? 'default' : checkId('options.group', o.group),
    id: o.id === undefined ? newOwnerId() : checkId('options.id', o.id),
    ttlMs,
    renewEveryMs,
    rebalanceEveryMs: every(
      'options.rebalanceEveryMs',
      o.rebalanceEveryMs,
      renewEveryMs,
    ),
    retryFailedAfterMs: every(
      'options.retryFailedAfterMs',
      o.retryFailedAfterMs,
      30_000,
    ),
    logger: checkLogger('options.logger', o.logger, silentLogger),
    onClaimed: optional('options.onClaimed', o.onClaimed, noop),
    onReleased: optional('options.onReleased', o.onReleased, noop),
    onCompleted: optional('options.onCompleted', o.onCompleted, noop),
  });
}
