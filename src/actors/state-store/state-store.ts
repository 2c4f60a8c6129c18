import type { Actor } from 'xstate';
import {
  abortable,
  checkAbortOptions,
  type AbortOptions,
} from '../../abort.js';
import { storageError, type RunStateError } from '../../errors.js';
import { nextSavepoint, type Schedule } from '../../schedule/index.js';
import type { Codec } from '../../storage/codec/index.js';
import type { StorageAdapter } from '../../storage/index.js';
import { checkTimestamp, show } from '../../validate.js';
import { Entity, type EntityStore } from '../entity.js';
import type { UpdateFunction } from './state-store-io.js';
import type { LoadOutput } from './state-store-load.js';
import type { LeaseKeeper } from '../../lease/index.js';
import { startStoreActor } from './state-store-actor.js';
import type { stateStoreMachine } from './state-store-machine.js';
import type { SaveItem } from './state-store-types.js';
import { storeStatus, type StateStoreStatus } from './state-store-status.js';
import {
  checkDefs,
  checkLoadOptions,
  closedError,
  encodeOrReport,
  saveRefusal,
} from './state-store-checks.js';
import { storeConfig } from './state-store-config.js';
import type {
  LoadRunStateOptions,
  LoadedRunState,
  StateStoreOptions,
} from './state-store-options.js';

/**
 * Create the StateStore of one run: it collects entity states into complete,
 * consistent savepoints and persists them through `storage`.
 *
 * @remarks
 * Creating a store does no I/O: call {@link StateStore.initRunState} for a new
 * run or {@link StateStore.loadRunState} to resume one (or use
 * `resumeOrStart`). Close it with `close()` or `await using`.
 *
 * @example
 * ```ts
 * await using store = createStateStore({ runId: 'orders', schedule: 60_000, storage });
 * const [counter] = await store.initRunState(Date.now(), [['counter', 0]]);
 * ```
 * @throws `TypeError`/`RangeError` naming a bad option
 */
export function createStateStore(options: StateStoreOptions): StateStore {
  return new StateStore(options);
}

/**
 * The handle of a run's StateStore actor.
 *
 * @remarks
 * `save` is synchronous and fire-and-forget: it encodes the state at once (so
 * later mutation by the caller cannot leak into a savepoint) and hands a batch
 * of saves to the actor once per microtask. Persisting happens inside the
 * actor, one savepoint at a time, in timestamp order.
 */
export class StateStore implements EntityStore {
  /** The run id. */
  readonly runId: string;
  /** The run's schedule. */
  readonly schedule: Schedule;
  readonly #actor: Actor<typeof stateStoreMachine>;
  readonly #storage: StorageAdapter;
  readonly #codec: Codec;
  readonly #report: (error: RunStateError) => void;
  readonly #lease: LeaseKeeper | undefined;
  readonly #detachMetrics: (() => void) | undefined;
  #batch: SaveItem[] = [];
  #ready = false;
  #closePromise: Promise<void> | undefined;

  /** Use {@link createStateStore}. */
  constructor(options: StateStoreOptions) {
    const config = storeConfig(options);
    const { io } = config;
    this.runId = io.runId;
    this.schedule = io.schedule;
    this.#storage = io.storage;
    this.#codec = io.codec;
    this.#report = config.report;
    const started = startStoreActor(config);
    this.#actor = started.actor;
    this.#lease = started.lease;
    this.#detachMetrics = started.detachMetrics;
  }

  /** Whether storage holds state for this run (true after `initRunState`). */
  async isInitialized(): Promise<boolean> {
    this.#checkOpen();
    try {
      return await this.#storage.isInitialized(this.runId);
    } catch (error) {
      throw storageError(error, 'isInitialized', { runId: this.runId });
    }
  }

  /**
   * Initialise storage for a new run and return one entity per
   * `[id, initialState]` definition, in order.
   *
   * @param timestamp - the run's `startFrom`; the first savepoint is the next
   *   multiple of the schedule after it (the grid is counted from epoch 0)
   * @param entityDefs - `[id, initialState]` pairs with unique ids
   * @throws `E_INVALID_STATE` when the store was already initialised or the
   * run already has savepoints; `E_LOCKED` while another store holds the
   * run's lease; `E_STORAGE`; `E_CLOSED`; `TypeError`/
   * `RangeError` for a bad argument, also when the first savepoint would be
   * beyond `Number.MAX_SAFE_INTEGER`
   */
  async initRunState<S>(
    timestamp: number,
    entityDefs: Iterable<readonly [string, S]>,
  ): Promise<Entity<S>[]> {
    this.#checkOpen();
    checkTimestamp('timestamp', timestamp);
    // Before any I/O: a RangeError when the first savepoint is not safe.
    if (this.schedule !== 'none') nextSavepoint(this.schedule, timestamp);
    const defs = checkDefs(entityDefs);
    this.#sendBatch();
    await new Promise((resolve, reject) => {
      this.#actor.send({
        type: 'init',
        timestamp,
        ids: defs.map(([id]) => id),
        resolve,
        reject,
      });
    });
    this.#ready = true;
    return defs.map(([id, state]) =>
      Entity.create(this, id, this.schedule, timestamp, state),
    );
  }

  /**
   * Resume: read the newest decodable savepoint (or, with `at`, rewind to
   * an older one), migrate it through the store's `migrations` to its
   * `version`, pass its states through `update` when given, and return
   * entities at its timestamp. Writes nothing, except that a rewind
   * quarantines the savepoints newer than `at`.
   *
   * @param options - `update` (or the update function itself), `at`
   * @throws `E_LOCKED` while another store holds the run's lease;
   * `E_NO_SAVEPOINT` (also for an `at` that is not a live
   * savepoint), `E_CORRUPTED`, `E_FORMAT_VERSION`, `E_VERSION_NEWER`,
   * `E_MIGRATION_FAILED`, `E_UPDATE_FAILED` (the store stays usable after
   * these three), `E_STORAGE`, `E_CLOSED`
   */
  async loadRunState(
    options?: UpdateFunction | LoadRunStateOptions,
  ): Promise<LoadedRunState> {
    this.#checkOpen();
    const request = checkLoadOptions(options);
    this.#sendBatch();
    const loaded = await new Promise<LoadOutput>((resolve, reject) =>
      this.#actor.send({ type: 'load', request, resolve, reject }),
    );
    this.#ready = true;
    const entities = loaded.states.map(([id, state]) =>
      Entity.create(this, id, this.schedule, loaded.timestamp, state),
    );
    const { timestamp, skipped, meta, rewound } = loaded;
    return { timestamp, entities, skipped, meta, rewound };
  }

  /**
   * Receive an entity's state for the open savepoints from the entity's
   * `nextSavepoint` up to `timestamp`. Fire-and-forget; failures go to
   * `onError`. Entities call this from `ackProcessedTime`.
   *
   * @param entity - the saving entity, as it was before the save: its
   * `nextSavepoint` is the oldest savepoint the state is valid for
   * @param timestamp - the ack timestamp
   * @param state - the state to store (an explicit `undefined` is stored);
   * `entity.state` when omitted
   * @throws `TypeError`/`RangeError` for a bad argument (programming errors)
   */
  save(
    entity: Entity<unknown>,
    timestamp: number,
    ...state: [state?: unknown]
  ): void {
    if (typeof (entity as Partial<Entity<unknown>> | null)?.id !== 'string') {
      throw new TypeError(`entity must be an Entity, got ${show(entity)}`);
    }
    checkTimestamp('timestamp', timestamp);
    const refusal =
      this.#lease?.lost ??
      saveRefusal(this.runId, entity.id, timestamp, {
        ready: this.#ready,
        closed: this.#closePromise !== undefined,
      });
    if (refusal !== undefined) return this.#report(refusal);
    const bytes = encodeOrReport(
      this.#codec,
      entity.id,
      state.length === 0 ? entity.state : state[0],
      this.#report,
    );
    if (bytes === undefined) return;
    const next = entity.nextSavepoint;
    const item = {
      id: entity.id,
      timestamp,
      from: next === 'none' ? 0 : next,
      bytes,
    };
    if (this.#batch.push(item) === 1) queueMicrotask(() => this.#sendBatch());
  }

  /**
   * Resolve once every savepoint completed before this call is persisted (or
   * its persistence failed and was reported). Savepoints completed later do
   * not hold it back.
   *
   * @param options - `signal` stops waiting (`E_ABORTED`); persistence goes on
   * @throws `E_CLOSED`, `E_ABORTED`; `E_FENCED` once another store took the
   * run's lease over (this store stopped; nothing more of it persists)
   */
  async flush(options?: AbortOptions): Promise<void> {
    const signal = checkAbortOptions(options);
    this.#checkOpen();
    this.#sendBatch();
    this.#throwIfLost();
    const done = new Promise<void>((resolve) =>
      this.#actor.send({ type: 'flush', resolve }),
    );
    await abortable(done, signal, 'flush');
    this.#throwIfLost();
  }

  #throwIfLost(): void {
    if (this.#lease?.lost !== undefined) throw this.#lease.lost;
  }

  /** What the store is doing: see {@link StateStoreStatus}. */
  status(): StateStoreStatus {
    return storeStatus(
      this.runId,
      this.#actor.getSnapshot(),
      this.#batch.length,
    );
  }

  /**
   * Persist every savepoint already complete, then stop the store. Idempotent;
   * afterwards every call fails with `E_CLOSED`. The storage is not closed.
   *
   * @param options - `signal` stops the store at once when aborted: complete
   * savepoints not yet persisted are dropped (a warning lists them; a write
   * in flight may still land) and this call rejects with `E_ABORTED`
   * @throws `E_ABORTED`
   */
  close(options?: AbortOptions): Promise<void> {
    const signal = checkAbortOptions(options);
    this.#closePromise ??= (async () => {
      this.#sendBatch();
      if (this.#actor.getSnapshot().status === 'active') {
        await new Promise<void>((resolve) =>
          this.#actor.send({ type: 'close', resolve }),
        );
      }
      this.#actor.stop();
      this.#detachMetrics?.();
      await this.#lease?.release();
    })();
    return abortable(this.#closePromise, signal, 'close', () => {
      if (this.#actor.getSnapshot().status === 'active') {
        this.#actor.send({ type: 'abort' });
      }
    });
  }

  /** Same as {@link StateStore.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #sendBatch(): void {
    if (this.#batch.length === 0) return;
    // Stopped (its lease lost): the batch was accepted before; drop it.
    if (this.#actor.getSnapshot().status !== 'active') {
      this.#batch = [];
      return;
    }
    const batch = this.#batch;
    this.#batch = [];
    this.#actor.send({ type: 'saves', batch });
  }

  #checkOpen(): void {
    if (this.#closePromise !== undefined) throw closedError(this.runId, 'call');
  }
}
