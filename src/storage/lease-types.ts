/**
 * The run-lease values of the storage contract (`types.ts`): what
 * `acquireLease` asks for, the lease a holder gets, and what `listLeases`
 * reports.
 *
 * @packageDocumentation
 */
/** What {@link StorageAdapter.acquireLease} asks for. */
export interface LeaseRequest {
  /** Who asks: unique per holder (a StateStore makes a random one). */
  readonly owner: string;
  /** How long the lease lives without renewal, in ms (a positive integer). */
  readonly ttlMs: number;
}

/**
 * A run's lease as its holder knows it: who holds it and the fencing token
 * of this acquisition. Tokens of one run only grow: every acquisition that
 * is not a renewal by the current holder gets a greater one.
 */
export interface RunLease {
  /** The leased run. */
  readonly runId: string;
  /** The holder ({@link LeaseRequest.owner}). */
  readonly owner: string;
  /** The fencing token: a positive safe integer. */
  readonly token: number;
}

/**
 * A live lease as {@link StorageAdapter.listLeases} reports it: held, and
 * not expired when it was read.
 */
export interface LeaseInfo extends RunLease {
  /** How long it lives on without renewal, in ms (on the backend's clock). */
  readonly expiresInMs: number;
}
