import type { Clock } from '../../clock.js';
import type { RunStateError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MetricsRecorder } from '../../metrics/index.js';
import type { Schedule } from '../../schedule/index.js';
import type { Codec } from '../../storage/codec/index.js';
import type { LeaseOptions } from '../../lease/index.js';
import type { Migrations } from '../../migrate/index.js';
import type {
  JsonValue,
  SavepointMeta,
  StorageAdapter,
} from '../../storage/index.js';
import type { Entity } from '../entity.js';
import type { PersistedInfo } from './state-store-types.js';
import type { UpdateFunction } from './state-store-io.js';

/** Options of {@link createStateStore}. */
export interface StateStoreOptions {
  /** The run this store persists; a non-empty string. */
  readonly runId: string;
  /** Savepoint schedule in ms, or `'none'`. */
  readonly schedule: Schedule;
  /** Where savepoints go. The store does not close it. */
  readonly storage: StorageAdapter;
  /**
   * Savepoints kept per run (the newest); at least 1.
   * @defaultValue 2
   */
  readonly keep?: number;
  /**
   * Most savepoints assembled at once; past it the oldest is discarded with a
   * warning.
   * @defaultValue 1000
   */
  readonly maxOpenSavepoints?: number;
  /**
   * Least wall-clock time between the end of one savepoint write and the
   * start of the next. Savepoints completed meanwhile are coalesced: only
   * the newest is written (the others are counted as `superseded`).
   * `flush()` and `close()` write at once. 0 writes every savepoint as soon
   * as the previous write ended.
   * @defaultValue 0
   */
  readonly persistIntervalMs?: number;
  /**
   * The clock the persist interval is timed with. Pass a simulated one
   * (`createTestClock()` from `runstate/testing`, or xstate's
   * `SimulatedClock`) to drive the interval in tests without sleeping.
   * @defaultValue the system clock (global timers, `Date.now`)
   */
  readonly clock?: Clock;
  /**
   * The application's state version, recorded in every savepoint written:
   * a non-negative integer. A savepoint of a newer version is refused on
   * load (`E_VERSION_NEWER`); one of an older version is migrated through
   * `migrations`. See `docs/migrations.md`.
   * @defaultValue `migrations.version`, or 0 without migrations
   */
  readonly version?: number;
  /**
   * The migration chain (`defineMigrations`) that brings loaded savepoints
   * of older versions to `version`.
   */
  readonly migrations?: Migrations<unknown>;
  /**
   * Small user metadata (JSON, a build id, a git sha) recorded in every
   * savepoint written.
   */
  readonly metadata?: JsonValue;
  /** The state codec. @defaultValue `defaultCodec` */
  readonly codec?: Codec;
  /**
   * Where diagnostics go (pino-compatible).
   * @defaultValue silent, except for errors nothing else hears (see `onError`)
   */
  readonly logger?: Logger;
  /**
   * Receives every failure that cannot be thrown to a caller: saves before
   * init, unstorable states, storage failures while persisting.
   * @defaultValue logs the error at `error` level to `logger`; without a
   * `logger`, emits it with `process.emitWarning` (Node prints it to
   * stderr), so an error that stops persistence is never silent
   */
  readonly onError?: (error: RunStateError) => void;
  /** Called after each savepoint is durably persisted. */
  readonly onPersisted?: (info: PersistedInfo) => void;
  /**
   * The run's lease, on a storage with leases (every built-in one): the
   * store takes it in `initRunState`/`loadRunState` (`E_LOCKED` while
   * another live store holds the run), renews it in the background, fences
   * every savepoint write with it, and frees it on `close()`. Once another
   * store took the run over, this one stops: `E_FENCED` goes to `onError`
   * and rejects `flush()`, and nothing it writes lands. `false` holds no
   * lease (unfenced writes, as on an adapter without leases). Ignored on a
   * read-only storage.
   *
   * @defaultValue `{}` (every default of {@link LeaseOptions})
   */
  readonly lease?: LeaseOptions | false;
  /**
   * Where measurements go: persist and load durations, savepoint sizes,
   * outcome counters, open savepoints and the recovery point. Use
   * `otelMetrics()` from `runstate/otel`, or your own recorder.
   * @defaultValue none (nothing is measured)
   */
  readonly metrics?: MetricsRecorder;
}

/** What {@link StateStore.loadRunState} resumes with. */
export interface LoadedRunState {
  /** The loaded savepoint's timestamp; the run resumes from here. */
  readonly timestamp: number;
  /** One entity per loaded (and updated) state. */
  readonly entities: Entity<unknown>[];
  /** Newer savepoints skipped as corrupted (moved aside before the next write). */
  readonly skipped: readonly number[];
  /**
   * The loaded savepoint's metadata as stored: `meta.version` is the
   * version it was migrated from.
   */
  readonly meta: SavepointMeta;
  /** Savepoints newer than `at` moved aside by a rewind, newest first. */
  readonly rewound: readonly number[];
}

/** Options of {@link StateStore.loadRunState}. */
export interface LoadRunStateOptions {
  /** Migrates loaded state after the store's `migrations` (see `UpdateFunction`). */
  readonly update?: UpdateFunction;
  /**
   * Rewind: load the live savepoint at this timestamp instead of the
   * newest. The newer live savepoints are quarantined first (kept, never
   * deleted, no longer listed or loaded), so the run persists past them:
   * this writes, so it needs a writable storage.
   */
  readonly at?: number;
}
