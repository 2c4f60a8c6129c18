/**
 * What a supervised run reports: its counters, its status
 * ({@link RunHandle.status}) and how it ended ({@link RunHandle.done}).
 *
 * @packageDocumentation
 */
import type { RunStateError } from '../../errors.js';
import type {
  OpenSavepointStatus,
  StateStoreStatus,
} from '../state-store/index.js';

/** Counters of a run, over every attempt. */
export interface RunCounters {
  /** Messages handled (replays count again). */
  readonly messages: number;
  /** Late messages dropped by the `'drop'` policy. */
  readonly dropped: number;
  /**
   * Messages the input yielded before its first message at or after the
   * resume point, skipped on a (re)start (the savepoint holds them).
   */
  readonly skipped: number;
  /** Outputs delivered to the sink. */
  readonly outputs: number;
  /**
   * Messages handled again after a restart, counted in `messages` too: those
   * at or before the furthest position an earlier attempt of this run, in
   * this process, had handled (the position is a timestamp and how many
   * messages at that timestamp). Their outputs carry `replayed: true`. A new
   * process resuming from storage does not know how far the previous one
   * got (that is not persisted): it counts none.
   */
  readonly replayed: number;
}

/** A snapshot of a run, from {@link RunHandle.status}. */
export interface RunStatus {
  /** The run's id. */
  readonly runId: string;
  /** Where the supervisor is. */
  readonly phase:
    | 'starting'
    | 'running'
    | 'restarting'
    | 'stopping'
    | 'stopped'
    | 'completed'
    | 'failed';
  /** The timestamp of the last message handled, if any. */
  readonly lastProcessed: number | undefined;
  /** The newest savepoint persisted by this process (or loaded). */
  readonly newestPersisted: number | undefined;
  /**
   * Each open savepoint with the entities that have not saved into it yet:
   * what holds the next savepoint back.
   */
  readonly open: readonly OpenSavepointStatus[];
  /** Restarts so far. */
  readonly restarts: number;
  /** The last failure, if any. */
  readonly lastError: RunStateError | undefined;
  /** Counters over every attempt. */
  readonly counters: RunCounters;
  /** The current StateStore's own status, while there is one. */
  readonly store: StateStoreStatus | undefined;
}

/** How a run ended, from {@link RunHandle.done}. */
export interface RunResult {
  /** `'completed'`: the input ended; `'stopped'`: `stop()` was called. */
  readonly reason: 'completed' | 'stopped';
  /** The timestamp of the last message handled, if any. */
  readonly lastProcessed: number | undefined;
  /** The newest savepoint persisted (or loaded), if any. */
  readonly newestPersisted: number | undefined;
  /** Each entity's final state (a machine entity's persisted snapshot). */
  readonly states: ReadonlyMap<string, unknown>;
  /** Restarts over the run's life. */
  readonly restarts: number;
}
