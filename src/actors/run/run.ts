/**
 * Supervised runs: {@link startRun} declares a run's entities and input and
 * returns a {@link RunHandle}; the run keeps its state correct through
 * failures by restarting from the newest savepoint and replaying the input.
 *
 * @packageDocumentation
 */
import { createActor, type Actor } from 'xstate';
import { RunStateError, ensureError } from '../../errors.js';
import type { RunProgress } from './run-progress.js';
import { runMachine } from './run-machine.js';
import { checkRunOptions, type RunConfig } from './run-options.js';
import type { RunResult, RunStatus } from './run-status.js';
import type { RunMessage, RunOptions } from './run-types.js';

const noop = (): void => undefined;

/**
 * A running run: its supervisor actor, its status, and how to stop it.
 *
 * @remarks
 * The supervisor is an xstate v5 actor ({@link RunHandle.actor}); its
 * states are `running`, `restarting` and the final `completed`, `stopped`
 * and `failed`. {@link RunHandle.done} settles when it reaches one of them.
 */
export class RunHandle {
  /** The run's id. */
  readonly runId: string;
  /** The supervisor actor (xstate v5), for inspection and `subscribe`. */
  readonly actor: Actor<typeof runMachine>;
  readonly #done: Promise<RunResult>;
  readonly #progress: RunProgress;
  readonly #config: RunConfig;
  #stopping: Promise<void> | undefined;
  /** Whether `done` was read before the run failed: someone listens. */
  #heard = false;

  /** @internal */
  constructor(config: RunConfig) {
    this.runId = config.runId;
    this.#progress = {
      phase: 'starting',
      lastProcessed: undefined,
      highWater: { timestamp: -1, count: 0 },
      newestPersisted: undefined,
      store: undefined,
      states: new Map(),
      counters: {
        messages: 0,
        dropped: 0,
        skipped: 0,
        outputs: 0,
        replayed: 0,
      },
    };
    this.actor = createActor(runMachine, {
      input: { config, progress: this.#progress },
    });
    this.#config = config;
    this.#done = this.#settled();
    this.#done.catch(noop); // an unobserved failure is reported by #unheard
    this.actor.start();
  }

  /**
   * Resolves when the input ended and every savepoint was persisted
   * (`reason: 'completed'`) or after {@link RunHandle.stop}
   * (`'stopped'`); rejects with the typed error that ended the run:
   * `E_RESTART_LIMIT` (its `cause` the last failure), `E_OUT_OF_ORDER`,
   * `E_INVALID_MESSAGE`, `E_UNSTORABLE`…
   *
   * @remarks
   * A failure is also logged at `error` level (`run failed`) to the run's
   * `logger`; without a logger, a failure that happens before anything
   * read `done` is emitted as a process warning, so it never vanishes.
   */
  get done(): Promise<RunResult> {
    this.#heard = true;
    return this.#done;
  }

  /**
   * The run now: phase, last processed timestamp, newest persisted
   * savepoint, each open savepoint with the entities that have not saved
   * into it yet, restarts, counters, and the StateStore's own status.
   */
  status(): RunStatus {
    const snapshot = this.actor.getSnapshot();
    const { context } = snapshot;
    const progress = this.#progress;
    const store = progress.store?.status();
    return {
      runId: this.runId,
      phase: this.#phase(),
      lastProcessed: progress.lastProcessed,
      newestPersisted: progress.newestPersisted,
      open: snapshot.status === 'active' ? (store?.open ?? []) : [],
      restarts: context.restarts,
      lastError: context.lastError,
      counters: { ...progress.counters },
      store,
    };
  }

  /**
   * Stop the run: the current message is finished, the entities are
   * released, queued savepoints are persisted and the StateStore is
   * closed. Idempotent. The storage is not closed (it is yours). Resolves
   * also when the run had failed.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.actor.send({ type: 'stop' });
      await this.#done.catch(noop);
    })();
    return this.#stopping;
  }

  /** Same as {@link RunHandle.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #phase(): RunStatus['phase'] {
    const snapshot = this.actor.getSnapshot();
    if (snapshot.matches('restarting')) return 'restarting';
    if (snapshot.matches('running')) {
      return snapshot.context.stopRequested ? 'stopping' : this.#progress.phase;
    }
    return snapshot.value;
  }

  /** Report the failure that ended the run to whoever can hear it. */
  #unheard(error: RunStateError): void {
    const { logger, runId } = this.#config;
    if (this.#config.hasLogger) {
      logger.error({ runId, code: error.code, err: error }, 'run failed');
    } else if (!this.#heard) {
      process.emitWarning(error);
    }
  }

  #settled(): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      this.actor.subscribe({
        next: (snapshot) => {
          if (snapshot.status !== 'done') return;
          const { context } = snapshot;
          if (snapshot.value === 'failed') {
            const error =
              context.lastError ??
              new RunStateError('E_INVALID_STATE', 'run failed');
            this.#unheard(error);
            reject(error);
            return;
          }
          resolve({
            reason: snapshot.value === 'completed' ? 'completed' : 'stopped',
            lastProcessed: this.#progress.lastProcessed,
            newestPersisted: this.#progress.newestPersisted,
            states: new Map(this.#progress.states),
            restarts: context.restarts,
          });
        },
        error: (error) => reject(ensureError(error)),
      });
    });
  }
}

/**
 * Start a supervised run: resume it from its newest savepoint (through
 * `update` when given) or start it fresh at `startFrom`, then feed the
 * input through its entities until the input ends or the run is stopped.
 *
 * @remarks
 * Before each message every entity acks the message's timestamp (so
 * entities that see no message still complete savepoints), then the
 * entities that accept it handle it, then its outputs go to the sink. When
 * an entity, the input, the sink or a storage write fails, every entity
 * restarts from the newest persisted savepoint and the input is replayed
 * from its timestamp (one-for-all); more than `maxRestarts` failures within
 * `withinMs` stop the run with `E_RESTART_LIMIT`. See `docs/runs.md`.
 *
 * @example
 * ```ts
 * const run = startRun({
 *   runId: 'orders',
 *   storage,
 *   schedule: 60_000,
 *   startFrom: 0,
 *   entities: {
 *     totals: { initial: 0, reduce: (sum, m: Order) => sum + m.qty },
 *   },
 *   input: (from) => readOrdersFrom(from),
 * });
 * const { states } = await run.done;
 * ```
 * @param options - see {@link RunOptions}
 * @throws `TypeError`/`RangeError` for bad options (synchronously), also
 * for a machine entity that uses timers (`after`, a delayed `raise`/`sendTo`).
 */
export function startRun<M extends RunMessage, O = unknown>(
  options: RunOptions<M, O>,
): RunHandle {
  return new RunHandle(checkRunOptions(options as unknown as RunOptions));
}
