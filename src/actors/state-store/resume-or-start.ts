import { isRunStateError } from '../../errors.js';
import { checkOptions, checkTimestamp } from '../../validate.js';
import type { Entity } from '../entity.js';
import type { SavepointMeta } from '../../storage/index.js';
import type { UpdateFunction } from './state-store-io.js';
import type { StateStore } from './state-store.js';

/** Options of {@link resumeOrStart}. */
export interface ResumeOrStartOptions<S> {
  /** Where a fresh run starts (epoch ms); its first savepoint is the next multiple of the schedule after it. */
  readonly startFrom: number;
  /** `[id, initialState]` of every entity of a fresh run. */
  readonly entities: Iterable<readonly [string, S]>;
  /** Migrates loaded state (see `loadRunState`). */
  readonly update?: UpdateFunction;
  /**
   * Rewind to this live savepoint (see `loadRunState({ at })`); a run
   * without savepoints starts fresh as usual.
   */
  readonly at?: number;
}

/** What {@link resumeOrStart} did. */
export interface ResumeOrStartResult<S> {
  /** `true` when resumed from a savepoint, `false` for a fresh start. */
  readonly resumed: boolean;
  /** Where input must be (re)played from: the savepoint's timestamp, or `startFrom`. */
  readonly timestamp: number;
  /**
   * The run's entities. On a resume their states are whatever the savepoint
   * (after `update`) held: typed as `S`, but not checked at run time, so
   * validate in `update` if stored shapes may differ from `S`.
   */
  readonly entities: Entity<S>[];
  /** Newer savepoints skipped as corrupted on load. */
  readonly skipped: readonly number[];
  /** The loaded savepoint's stored metadata (`undefined` on a fresh start). */
  readonly meta?: SavepointMeta;
  /** Savepoints quarantined by a rewind (`at`), newest first. */
  readonly rewound: readonly number[];
}

/**
 * Resume a run from its newest savepoint, or start it fresh at `startFrom`
 * when it has none (never initialised, or initialised but no savepoint
 * persisted yet).
 *
 * @example
 * ```ts
 * const { resumed, timestamp, entities } = await resumeOrStart(store, {
 *   startFrom: 0,
 *   entities: [['totals', {}]],
 * });
 * for await (const message of replayFrom(timestamp)) { … }
 * ```
 * @param store - a store that is neither initialised nor loaded yet
 * @param options - start time, entity definitions, optional `update`
 * @throws whatever `loadRunState` throws except `E_NO_SAVEPOINT`
 */
export async function resumeOrStart<S>(
  store: StateStore,
  options: ResumeOrStartOptions<S>,
): Promise<ResumeOrStartResult<S>> {
  checkOptions('options', options);
  const startFrom = checkTimestamp('options.startFrom', options.startFrom);
  if (await store.isInitialized()) {
    try {
      const loaded = await store.loadRunState({
        update: options.update,
        at: options.at,
      });
      const entities = loaded.entities as Entity<S>[];
      return { resumed: true, ...loaded, entities };
    } catch (error) {
      if (!isRunStateError(error, 'E_NO_SAVEPOINT')) throw error;
      // A rewind target that is not live is the caller's mistake, unless
      // the run has no savepoint at all: then it starts fresh as usual.
      const live = error.details.live as readonly number[] | undefined;
      if (live !== undefined && live.length > 0) throw error;
    }
  }
  const entities = await store.initRunState(startFrom, options.entities);
  return {
    resumed: false,
    timestamp: startFrom,
    entities,
    skipped: [],
    rewound: [],
  };
}
