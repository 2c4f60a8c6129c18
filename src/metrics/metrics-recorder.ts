/**
 * The seam between the library and a metrics system: what a StateStore and
 * a supervised run report, as plain calls. `runstate/otel` implements it on
 * OpenTelemetry; implement it yourself to feed anything else.
 *
 * @packageDocumentation
 */

/**
 * What a recorder reads from a live store: the fields of `StateStoreStatus`
 * that metrics need (a `StateStoreStatus` is one).
 */
export interface StoreProbeStatus {
  /** The newest savepoint handed to persistence (or loaded). */
  readonly latestCollected: number | undefined;
  /** The newest savepoint known durable (persisted or loaded). */
  readonly newestPersisted: number | undefined;
  /** Each open savepoint, oldest first. */
  readonly open: readonly { readonly timestamp: number }[];
  /** Counters kept by the store since it was created. */
  readonly counters: {
    readonly persisted: number;
    readonly failed: number;
    readonly superseded: number;
    readonly discarded: number;
  };
}

/** One savepoint durably persisted. */
export interface PersistMeasurement {
  /** The run. */
  readonly runId: string;
  /** The savepoint's scheduled timestamp. */
  readonly timestamp: number;
  /** How many entity states it holds. */
  readonly entities: number;
  /** The encoded states' total size in bytes (what the storage was given). */
  readonly bytes: number;
  /** Wall-clock time of the write (and its pruning), in milliseconds. */
  readonly durationMs: number;
}

/** One savepoint loaded to resume a run. */
export interface LoadMeasurement {
  /** The run. */
  readonly runId: string;
  /** The loaded savepoint's timestamp. */
  readonly timestamp: number;
  /** How many entity states it held. */
  readonly entities: number;
  /** Newer savepoints skipped as corrupted before it (fallbacks). */
  readonly corrupted: number;
  /** Wall-clock time of the load (reads, decoding, update), in milliseconds. */
  readonly durationMs: number;
}

/** A supervised run restarting after a failure. */
export interface RestartMeasurement {
  /** The run. */
  readonly runId: string;
  /** The failure's `RunStateError` code. */
  readonly code: string;
}

/**
 * Receives what StateStores and supervised runs measure. Pass one as the
 * `metrics` option of `createStateStore` or `startRun`.
 *
 * @remarks
 * Every method is called synchronously on the hot path's edges (after a
 * write, a load, a restart), never per message; keep them cheap and never
 * throw (a throw is logged and ignored). `attach` hands over a probe of a
 * live store's status, for gauges and for counters kept by the store
 * (persisted, failed, superseded, discarded); the returned function is
 * called once when the store closes, after a last look at the probe.
 *
 * @example
 * ```ts
 * import { otelMetrics } from 'runstate/otel';
 * const metrics = otelMetrics(); // the global MeterProvider's meter
 * const store = createStateStore({ runId, schedule, storage, metrics });
 * ```
 */
export interface MetricsRecorder {
  /** A store started; `probe` reads its status until the returned detach. */
  attach(runId: string, probe: () => StoreProbeStatus): () => void;
  /** A savepoint was persisted. */
  persisted(measurement: PersistMeasurement): void;
  /** A savepoint was loaded. */
  loaded(measurement: LoadMeasurement): void;
  /** A supervised run restarts. */
  restarted(measurement: RestartMeasurement): void;
  /**
   * A supervised run re-processed `messages` messages it had processed
   * before a restart or resume (reported as they happen, in batches).
   */
  replayed(runId: string, messages: number): void;
}
