/**
 * What a worker reports of itself.
 *
 * @packageDocumentation
 */

/** A worker's state now ({@link Worker.status}). */
export interface WorkerStatus {
  /** The worker's id (the owner of its leases). */
  readonly id: string;
  /** Its group. */
  readonly group: string;
  /** The runs it owns, sorted: running and parked. */
  readonly owned: readonly string[];
  /** Of those, the runs whose input ended (parked). */
  readonly completed: readonly string[];
  /** Live workers of the group at the last rebalance. */
  readonly workers: number;
  /** Its share at the last rebalance: `ceil(runs / workers)`. */
  readonly share: number;
  /** Whether `stop()` was called. */
  readonly stopping: boolean;
}
