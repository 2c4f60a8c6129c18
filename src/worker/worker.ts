/**
 * `startWorker`: many runs over many processes. Each worker holds a
 * heartbeat lease; each run is owned through its run lease by exactly one
 * live worker; every `rebalanceEveryMs` a worker counts the live workers,
 * hands over what exceeds its share and claims free runs below it.
 *
 * @packageDocumentation
 */
import { ensureError, isRunStateError, type RunStateError } from '../errors.js';
import { LeaseKeeper } from '../lease/index.js';
import { checkId, show } from '../validate.js';
import type { LeaseInfo, StorageAdapter } from '../storage/index.js';
import type { ReleaseReason, WorkerConfig } from './worker-options.js';
import { planShare } from './worker-share.js';
import { WorkerSlot } from './worker-slot.js';
import type { WorkerStatus } from './worker-status.js';

type Listing = StorageAdapter &
  Required<Pick<StorageAdapter, 'acquireLease' | 'listLeases'>>;

/** The run id of a worker's heartbeat lease: `runstate-worker:<group>:<id>`. */
const memberPrefix = (group: string): string => `runstate-worker:${group}:`;

/** Call a user callback; a throw is logged, never propagated. */
function tell<T>(config: WorkerConfig, name: string, fn: (x: T) => void, x: T) {
  try {
    fn(x);
  } catch (error) {
    config.logger.error({ err: error }, `worker ${name} threw; ignored`);
  }
}

/** A running worker; see {@link startWorker}. */
export class Worker {
  /** The worker's id (the owner of its leases). */
  readonly id: string;
  readonly #config: WorkerConfig;
  readonly #storage: Listing;
  readonly #slots = new Map<string, WorkerSlot>();
  readonly #cooling = new Map<string, number>();
  readonly #badIds = new Set<string>();
  #member: LeaseKeeper | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;
  #workers = 1;
  #share = 0;
  #offset = Math.floor(Math.random() * 1_000_000);

  /** No I/O: {@link Worker.start} starts it. @internal */
  private constructor(config: WorkerConfig) {
    this.#config = config;
    this.#storage = config.storage as Listing;
    this.id = config.id;
  }

  /** Start a worker. @internal Use {@link startWorker}. */
  static start(config: WorkerConfig): Worker {
    const worker = new Worker(config);
    // Join first; claim after one interval, once peers starting at the
    // same time are visible too.
    worker.#ticking = worker.#join();
    worker.#schedule();
    return worker;
  }

  /** Each owned run's phase, for diagnostics. @internal */
  debug(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [id, slot] of this.#slots) out[id] = slot.debug();
    return out;
  }

  /** The worker now. */
  status(): WorkerStatus {
    const owned = [...this.#slots.keys()].sort();
    return {
      id: this.id,
      group: this.#config.group,
      owned,
      completed: owned.filter((id) => this.#slots.get(id)?.parked === true),
      workers: this.#workers,
      share: this.#share,
      stopping: this.#stopping !== undefined,
    };
  }

  /**
   * Stop claiming, stop every run (each persists what is queued and frees
   * its lease at once), free the parked runs and the heartbeat. The other
   * workers claim the runs at their next rebalance. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#timer);
      await this.#ticking;
      const slots = [...this.#slots.values()];
      await Promise.all(slots.map((slot) => slot.release('stopped')));
      await this.#member?.release();
    })();
    return this.#stopping;
  }

  /** Same as {@link Worker.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  #schedule(): void {
    if (this.#stopping !== undefined) return;
    // ±20 % jitter, so workers started together do not tick together.
    const every = this.#config.rebalanceEveryMs;
    const delay = every * (0.8 + 0.4 * Math.random());
    this.#timer = setTimeout(() => {
      this.#ticking = this.#tick().finally(() => this.#schedule());
    }, delay);
  }

  async #join(): Promise<void> {
    const { storage, group, id, ttlMs, renewEveryMs, logger } = this.#config;
    const lease = { owner: id, ttlMs, renewEveryMs, waitMs: 0 };
    const member = new LeaseKeeper(
      storage,
      `${memberPrefix(group)}${id}`,
      lease,
      logger,
      () => {
        // Taken over (this process was paused past its TTL): join again.
        if (this.#member === member) this.#member = undefined;
      },
    );
    try {
      await member.acquire();
      this.#member = member;
    } catch (error) {
      logger.warn({ err: error, worker: id }, 'worker heartbeat failed');
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopping !== undefined) return;
    try {
      if (this.#member === undefined) await this.#join();
      await this.#rebalance();
    } catch (error) {
      if (isRunStateError(error, 'E_CLOSED')) return this.#storageClosed(error);
      this.#config.logger.warn(
        { err: error, worker: this.id },
        'worker rebalance failed; retrying',
      );
    }
  }

  /**
   * The storage was closed under the worker: nothing can be claimed or
   * persisted any more. Say so once and stop (each run's stop fails to
   * persist, and is released).
   */
  #storageClosed(error: RunStateError): void {
    this.#config.logger.error(
      { err: error, worker: this.id },
      'worker storage closed; the worker stops',
    );
    void this.stop();
  }

  async #rebalance(): Promise<void> {
    const wanted = await this.#wantedRuns();
    const leases = await this.#storage.listLeases();
    const prefix = memberPrefix(this.#config.group);
    const workers = leases.filter((l) => l.runId.startsWith(prefix)).length;
    const plan = planShare(
      {
        wanted,
        owned: this.#giveUpOrder(),
        workers: Math.max(1, workers),
        leased: new Set(leases.map((l: LeaseInfo) => l.runId)),
        cooling: this.#coolingNow(),
      },
      this.#offset++,
    );
    this.#workers = Math.max(1, workers);
    this.#share = plan.share;
    await this.#releaseAll(plan.removed, 'removed');
    await this.#releaseAll(plan.handOver, 'handed-over');
    await this.#claim(plan.candidates, plan.claim);
  }

  /**
   * The runs of the group now: `runs()` read, its ids checked. An invalid
   * id is skipped (logged at `error` once), so it does not stop the
   * others from being claimed.
   */
  async #wantedRuns(): Promise<string[]> {
    const wanted = new Set<string>();
    for (const runId of await this.#config.runs()) {
      try {
        wanted.add(checkId('runs()', runId));
      } catch (error) {
        const key = typeof runId === 'string' ? runId : show(runId);
        if (this.#badIds.has(key)) continue;
        this.#badIds.add(key);
        this.#config.logger.error(
          { err: error, worker: this.id },
          'worker runs() returned an invalid run id; skipped',
        );
      }
    }
    return [...wanted];
  }

  /** Parked runs first, then the most recently claimed. */
  #giveUpOrder(): string[] {
    const slots = [...this.#slots.values()].reverse();
    return [
      ...slots.filter((s) => s.parked).map((s) => s.runId),
      ...slots.filter((s) => !s.parked).map((s) => s.runId),
    ];
  }

  #coolingNow(): Set<string> {
    const now = Date.now();
    for (const [runId, until] of this.#cooling) {
      if (until <= now) this.#cooling.delete(runId);
    }
    return new Set(this.#cooling.keys());
  }

  async #releaseAll(runIds: readonly string[], reason: ReleaseReason) {
    const slots = runIds.flatMap((id) => this.#slots.get(id) ?? []);
    await Promise.all(slots.map((slot) => slot.release(reason)));
  }

  /** Claim up to `count` of `candidates`, a few at a time. */
  async #claim(candidates: readonly string[], count: number): Promise<void> {
    let claimed = 0;
    let next = 0;
    while (claimed < count && next < candidates.length) {
      if (this.#stopping !== undefined) return;
      const batch = candidates.slice(next, next + Math.min(8, count - claimed));
      next += batch.length;
      const won = await Promise.all(batch.map((id) => this.#claimOne(id)));
      claimed += won.filter(Boolean).length;
    }
  }

  async #claimOne(runId: string): Promise<boolean> {
    const { id, ttlMs } = this.#config;
    let token: number;
    try {
      const lease = await this.#storage.acquireLease(runId, {
        owner: id,
        ttlMs,
      });
      token = lease.token;
    } catch (error) {
      if (isRunStateError(error, 'E_LOCKED')) return false;
      throw error;
    }
    const slot = new WorkerSlot(runId, token, this.#config, {
      completed: (s, result) =>
        tell(this.#config, 'onCompleted', this.#config.onCompleted, {
          runId: s.runId,
          result,
        }),
      ended: (s, reason, error) => this.#ended(s, reason, error),
    });
    this.#slots.set(runId, slot);
    try {
      slot.start();
    } catch (error) {
      // run() threw or startRun refused its options: free the claim now.
      await this.#storage
        .releaseLease?.({ runId, owner: id, token })
        .catch(() => undefined);
      this.#ended(slot, 'failed', ensureError(error));
      return false;
    }
    tell(this.#config, 'onClaimed', this.#config.onClaimed, { runId, token });
    return true;
  }

  #ended(slot: WorkerSlot, reason: ReleaseReason, error?: Error) {
    if (this.#slots.get(slot.runId) === slot) this.#slots.delete(slot.runId);
    const { logger, retryFailedAfterMs } = this.#config;
    if (reason === 'failed') {
      this.#cooling.set(slot.runId, Date.now() + retryFailedAfterMs);
      logger.error({ err: error, runId: slot.runId }, 'worker run failed');
    }
    const info =
      error === undefined
        ? { runId: slot.runId, reason }
        : { runId: slot.runId, reason, error };
    tell(this.#config, 'onReleased', this.#config.onReleased, info);
  }
}
