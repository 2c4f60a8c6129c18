/**
 * A worker's share of the runs, decided from what the storage's leases
 * say: pure, so it is tested without storage or timers.
 *
 * @packageDocumentation
 */

/** What one rebalance knows. @internal */
export interface ShareInput {
  /** The runs of the group now (`runs`), unique. */
  readonly wanted: readonly string[];
  /** The runs this worker owns, in the order it would give them up. */
  readonly owned: readonly string[];
  /** Live workers of the group (their heartbeat leases), this one included. */
  readonly workers: number;
  /** Runs with a live lease, of any owner. */
  readonly leased: ReadonlySet<string>;
  /** Runs this worker does not claim now (failed recently). */
  readonly cooling: ReadonlySet<string>;
}

/** What to do. @internal */
export interface SharePlan {
  /** At most this many runs per worker: `ceil(wanted / workers)`. */
  readonly share: number;
  /** Owned runs no longer wanted. */
  readonly removed: readonly string[];
  /** Owned runs to hand over, above the share. */
  readonly handOver: readonly string[];
  /** Free runs to try to claim, in order, up to `claim` of them. */
  readonly candidates: readonly string[];
  /** How many runs to claim. */
  readonly claim: number;
}

/**
 * Decide a rebalance: keep at most `ceil(runs / workers)` runs, drop runs
 * no longer wanted, and list free runs to claim (rotated by `offset`, so
 * workers claiming at once mostly try different runs).
 *
 * @internal
 */
export function planShare(input: ShareInput, offset: number): SharePlan {
  const wanted = new Set(input.wanted);
  const workers = Math.max(1, input.workers);
  const share = Math.ceil(wanted.size / workers);
  const removed = input.owned.filter((id) => !wanted.has(id));
  const kept = input.owned.filter((id) => wanted.has(id));
  const handOver = kept.slice(0, Math.max(0, kept.length - share));
  const owned = new Set(input.owned);
  const free = input.wanted.filter(
    (id) => !owned.has(id) && !input.leased.has(id) && !input.cooling.has(id),
  );
  const start = free.length === 0 ? 0 : offset % free.length;
  const candidates = [...free.slice(start), ...free.slice(0, start)];
  const claim = Math.max(0, share - kept.length);
  return { share, removed, handOver, candidates, claim };
}
