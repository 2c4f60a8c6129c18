/**
 * The public types of supervised runs ({@link startRun}): messages,
 * entity definitions, outputs and options (what a run reports is in
 * `run-status.ts`).
 *
 * @packageDocumentation
 */
import type { LeaseOptions } from '../../lease/index.js';
import type { Migrations } from '../../migrate/index.js';
import type { JsonValue } from '../../storage/index.js';
import type { AnyStateMachine, EventObject } from 'xstate';
import type { Clock } from '../../clock.js';
import type { RunStateError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { MetricsRecorder } from '../../metrics/index.js';
import type { Schedule } from '../../schedule/index.js';
import type { Codec } from '../../storage/codec/index.js';
import type { StorageAdapter } from '../../storage/index.js';
import type { UpdateFunction } from '../state-store/index.js';
import type { PersistedInfo } from '../state-store/index.js';

/** A message of a run's input: anything with an epoch-ms `timestamp`. */
export interface RunMessage {
  /** When the message happened (epoch ms, a non-negative safe integer). */
  readonly timestamp: number;
}

/** What an entity's reducer gets besides its state and the message. */
export interface EntityContext<O = unknown> {
  /** The entity's id. */
  readonly entityId: string;
  /** The timestamp of the message being handled. */
  readonly timestamp: number;
  /**
   * Send an output to the run's sink, tagged with this entity and the
   * message's timestamp. Outputs are at-least-once: see {@link RunOutput}.
   */
  emit(output: O): void;
}

/**
 * A reducer entity's step: the next state from the current one and a
 * message. It may return the same (mutated) object; the state is encoded
 * when a savepoint is due, so later mutation never reaches a savepoint.
 */
export type Reducer<S, M extends RunMessage = RunMessage, O = unknown> = (
  state: S,
  message: M,
  context: EntityContext<O>,
) => S;

/** An entity whose state is updated by a plain reducer (the fast path). */
export interface ReducerEntity<
  S = unknown,
  M extends RunMessage = RunMessage,
  O = unknown,
> {
  /** The state of a fresh run. */
  readonly initial: S;
  /** The step function. Throwing restarts the run. */
  readonly reduce: Reducer<S, M, O>;
  /** Which messages the entity handles; every message when omitted. */
  readonly accepts?: (message: M) => boolean;
  /**
   * Derive the state to save from the entity's state (spec §3): runs only
   * when a savepoint is due. Throwing restarts the run.
   */
  readonly transform?: (state: S) => unknown;
}

/**
 * An entity that is an xstate machine actor. Its saved state is the actor's
 * persisted snapshot; it is restored with `createActor(logic, { snapshot })`.
 * Outputs are the events the machine emits with xstate's `emit()` action.
 *
 * @remarks
 * The machine must not use timers (`after`, `raise`/`sendTo` with a
 * `delay`): they fire on wall-clock time and are not re-armed on resume.
 * `startRun` refuses such a machine with a `TypeError` naming the entity; a
 * timer scheduled at run time fails the entity (`E_ENTITY_FAILED`).
 */
export interface MachineEntity<M extends RunMessage = RunMessage> {
  /** The machine. Its context must be storable by the codec. */
  readonly machine: AnyStateMachine;
  /** The machine's `input` on a fresh run. */
  readonly input?: unknown;
  /**
   * The event to send for a message; the message itself by default (it must
   * then have a string `type`).
   */
  readonly toEvent?: (message: M) => EventObject;
  /** Which messages the entity handles; every message when omitted. */
  readonly accepts?: (message: M) => boolean;
}

/**
 * How an entity is declared: a bare reducer (initial state `undefined`), a
 * {@link ReducerEntity}, or a {@link MachineEntity}.
 */
export type EntityDefinition<M extends RunMessage = RunMessage, O = unknown> =
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entity has its own state type
  | Reducer<any, M, O>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entity has its own state type
  | ReducerEntity<any, M, O>
  | MachineEntity<M>;

/**
 * One output, as the sink receives it.
 *
 * @remarks
 * `(entityId, watermark, index)` is the output's key: unique for the life
 * of the run and the same when a restart or a resume replays it, under
 * every lateness policy, provided the input and the entities are
 * deterministic (see `docs/runs.md`). A sink deduplicates by it. Without
 * late messages handled (`lateness` `'reject'` or `'drop'`), `watermark`
 * equals `timestamp`.
 */
export interface RunOutput<O = unknown> {
  /** The entity that emitted it. */
  readonly entityId: string;
  /** The timestamp of the message it was emitted for. */
  readonly timestamp: number;
  /**
   * The newest timestamp the input had reached when the message was
   * handled: `timestamp`, or a newer one for a late message handled under
   * lateness `'process'`.
   */
  readonly watermark: number;
  /**
   * Its position among the outputs the entity emitted at this `watermark`,
   * from 0: the outputs of a late message continue the numbering.
   */
  readonly index: number;
  /** What the entity emitted. */
  readonly value: O;
  /**
   * Whether it was emitted while replaying messages this process already
   * handled before a restart (so the sink has seen it). After a process
   * crash, replayed outputs cannot be told apart: deduplicate by the key
   * `(entityId, watermark, index)`.
   */
  readonly replayed: boolean;
}

/** What to do with a message older than the previous one. */
export type LatenessPolicy = 'reject' | 'drop' | 'process';

/** What the observer learns about each restart. */
export interface RestartInfo {
  /** The run restarting. */
  readonly runId: string;
  /** Why: the failure, as a typed error with its own `cause`. */
  readonly cause: RunStateError;
  /** How many restarts happened so far, this one included. */
  readonly restarts: number;
  /** The last message timestamp handled before the failure. */
  readonly lastProcessed: number | undefined;
}

/** Options of {@link startRun}. */
export interface RunOptions<M extends RunMessage = RunMessage, O = unknown> {
  /** The run's id in storage. */
  readonly runId: string;
  /** Where savepoints go; shared by many runs if you like. Not closed by the run. */
  readonly storage: StorageAdapter;
  /** Savepoint interval in ms, or `'none'`. */
  readonly schedule: Schedule;
  /** Where a fresh run starts (epoch ms). */
  readonly startFrom: number;
  /** The entities, by id; their order is the object's key order. */
  readonly entities: Readonly<Record<string, EntityDefinition<M, O>>>;
  /**
   * The input, replayable from a timestamp: every message with a timestamp
   * ≥ `fromTimestamp`, in timestamp order. Called again on every restart.
   * It should end (or throw) when `signal` aborts, so `stop()` need not
   * wait for the next message.
   */
  readonly input: (
    fromTimestamp: number,
    options: { readonly signal: AbortSignal },
  ) => AsyncIterable<M> | Iterable<M>;
  /** Receives every output; may return a promise (the run waits for it). */
  readonly output?: (output: RunOutput<O>) => void | Promise<void>;
  /** Migrates loaded state (see `loadRunState`). */
  readonly update?: UpdateFunction;
  /** The state version (StateStore option `version`; `docs/migrations.md`). */
  readonly version?: number;
  /** The migration chain (StateStore option `migrations`). */
  readonly migrations?: Migrations<unknown>;
  /** User metadata recorded in every savepoint (StateStore option). */
  readonly metadata?: JsonValue;
  /**
   * Rewind: the first attempt loads the live savepoint at this timestamp
   * instead of the newest and quarantines the newer ones (see
   * `loadRunState({ at })`); restarts resume from the newest as usual.
   */
  readonly at?: number;
  /**
   * Savepoints to keep.
   *
   * @defaultValue 2
   */
  readonly keep?: number;
  /**
   * Least wall-clock time between two savepoint writes (the StateStore's
   * option): while a run catches up faster than real time, only the newest
   * savepoint completed in each interval is written. 0 writes every one.
   *
   * @defaultValue 100
   */
  readonly persistIntervalMs?: number;
  /**
   * The run's lease (the StateStore's `lease` option), on a storage with
   * leases. A run waits by default for a run another process holds, up to
   * twice its TTL (a process restarted after a crash picks its runs up
   * once the dead one's lease expired); a run whose lease was taken over
   * stops with `E_FENCED`. `false`: no lease.
   *
   * @defaultValue `{ waitMs: 2 * ttlMs }` (`ttlMs` 10 000)
   */
  readonly lease?: LeaseOptions | false;
  /**
   * Messages older than the previous one: `'reject'` stops the run with
   * `E_OUT_OF_ORDER`, `'drop'` skips them (counted, logged at debug),
   * `'process'` handles them anyway (acks of an older time save nothing).
   *
   * @defaultValue 'reject'
   */
  readonly lateness?: LatenessPolicy;
  /**
   * Restart intensity (OTP): more than `maxRestarts` failures within
   * `withinMs` stop the run with `E_RESTART_LIMIT`.
   *
   * @defaultValue 3
   */
  readonly maxRestarts?: number;
  /** @defaultValue 5000 */
  readonly withinMs?: number;
  /**
   * Wait this long before each restart.
   *
   * @defaultValue 0
   */
  readonly restartDelayMs?: number;
  /** Called on every restart, before it happens. */
  readonly onRestart?: (info: RestartInfo) => void;
  /** Called after each savepoint is persisted (see the StateStore's). */
  readonly onPersisted?: (info: PersistedInfo) => void;
  /**
   * Where measurements go: the StateStore's (persist, load, savepoint
   * counters and ages) plus restarts and replayed messages. Use
   * `otelMetrics()` from `runstate/otel`, or your own recorder.
   * @defaultValue none (nothing is measured)
   */
  readonly metrics?: MetricsRecorder;
  /** The codec of the run's StateStore. */
  readonly codec?: Codec;
  /**
   * Receives the run's and its store's diagnostics; silent by default,
   * except that the failure that ends the run is emitted as a process
   * warning when nothing had read `done` yet (pass `silentLogger` to drop
   * it). With a logger, that failure is logged at `error` level.
   */
  readonly logger?: Logger;
  /**
   * The clock restart intensity is measured with.
   *
   * @defaultValue `clock.now`
   */
  readonly now?: () => number;
  /**
   * The clock of the run's timers: the restart delay, the restart window
   * (through `now()`, unless `now` is given) and the StateStore's persist
   * interval. Pass a simulated one (`createTestClock()` from
   * `runstate/testing`, or xstate's `SimulatedClock`) so tests drive time
   * instead of sleeping.
   *
   * @defaultValue the system clock (global timers, `Date.now`)
   */
  readonly clock?: Clock;
}
