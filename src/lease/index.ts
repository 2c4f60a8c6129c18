/**
 * Run leases as their holders keep them: the options a StateStore takes
 * and the keeper that acquires, renews and releases one run's lease.
 *
 * @packageDocumentation
 */
/** @internal */
export { LeaseKeeper, canLease } from './lease-keeper.js';
/** @internal */
export {
  checkLeaseOptions,
  newOwnerId,
  type LeaseConfig,
} from './lease-options.js';
export type { LeaseOptions } from './lease-options.js';
