/**
 * One run a worker owns: running under `startRun` with the worker's lease
 * owner, or parked (its input ended; the worker keeps its lease so no one
 * starts it again), until the worker lets it go.
 *
 * @packageDocumentation
 */
import {
  startRun,
  type RunHandle,
  type RunResult,
} from '../actors/run/index.js';
import { ensureError, isRunStateError } from '../errors.js';
import { LeaseKeeper } from '../lease/index.js';
import type { ReleaseReason, WorkerConfig } from './worker-options.js';

/** What a slot tells its worker. @internal */
export interface SlotEvents {
  /** The input ended; the slot is parked. */
  completed(slot: WorkerSlot, result: RunResult): void;
  /** The slot let its run go (or lost it); it is finished. */
  ended(slot: WorkerSlot, reason: ReleaseReason, error?: Error): void;
}

/**
 * Whether `error` (or a cause of it) says another owner has the run: a
 * fence, a lock, or the store that a fence stopped (`E_CLOSED`).
 */
function lostToAnother(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e !== undefined && depth < 5; depth++) {
    if (
      isRunStateError(e, 'E_FENCED') ||
      isRunStateError(e, 'E_LOCKED') ||
      isRunStateError(e, 'E_CLOSED')
    ) {
      return true;
    }
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

/** One owned run. @internal */
export class WorkerSlot {
  readonly runId: string;
  /** The token of the worker's claim. */
  readonly token: number;
  readonly #config: WorkerConfig;
  readonly #events: SlotEvents;
  #handle: RunHandle | undefined;
  #parked: LeaseKeeper | undefined;
  #letGo: ReleaseReason | undefined;
  #ended = false;

  constructor(
    runId: string,
    token: number,
    config: WorkerConfig,
    events: SlotEvents,
  ) {
    this.runId = runId;
    this.token = token;
    this.#config = config;
    this.#events = events;
  }

  /** The run's phase and store status, for diagnostics. @internal */
  debug(): unknown {
    const st = this.#handle?.status();
    return {
      token: this.token,
      parked: this.parked,
      phase: st?.phase,
      last: st?.lastProcessed,
      store: st?.store?.phase ?? st?.store,
      restarts: st?.restarts,
      err: st?.lastError?.code,
    };
  }

  /** Whether the run's input ended and only its lease is kept. */
  get parked(): boolean {
    return this.#parked !== undefined;
  }

  /** Start the run (it takes the lease the worker claimed: a renewal). */
  start(): void {
    const c = this.#config;
    const options = c.run(this.runId);
    this.#handle = startRun({
      logger: c.logger,
      ...options,
      runId: this.runId,
      storage: c.storage,
      lease: {
        owner: c.id,
        ttlMs: c.ttlMs,
        renewEveryMs: c.renewEveryMs,
        waitMs: c.ttlMs,
      },
    });
    this.#handle.done.then(
      (result) => this.#settled(result),
      (error: unknown) => this.#failed(ensureError(error)),
    );
  }

  /** Stop the run (or free a parked one) and tell the worker. Idempotent. */
  async release(reason: ReleaseReason): Promise<void> {
    this.#letGo ??= reason;
    if (this.#handle !== undefined) await this.#handle.stop();
    await this.#parked?.release();
    this.#end(this.#letGo);
  }

  #settled(result: RunResult): void {
    this.#handle = undefined;
    if (this.#letGo !== undefined || result.reason === 'stopped') {
      this.#end(this.#letGo ?? 'stopped');
      return;
    }
    void this.#park(result);
  }

  /** Keep the completed run's lease, so no other worker starts it again. */
  async #park(result: RunResult): Promise<void> {
    const c = this.#config;
    const keeper = new LeaseKeeper(
      c.storage,
      this.runId,
      { owner: c.id, ttlMs: c.ttlMs, renewEveryMs: c.renewEveryMs, waitMs: 0 },
      c.logger,
      (error) => this.#end('lost', error),
    );
    this.#parked = keeper;
    try {
      await keeper.acquire();
    } catch (error) {
      this.#parked = undefined;
      this.#end('lost', ensureError(error));
      return;
    }
    this.#events.completed(this, result);
  }

  #failed(error: Error): void {
    this.#handle = undefined;
    if (this.#letGo !== undefined) this.#end(this.#letGo);
    else if (lostToAnother(error)) this.#end('lost', error);
    else this.#end('failed', error);
  }

  #end(reason: ReleaseReason, error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#events.ended(this, reason, error);
  }
}
