/**
 * Run leases as their holders keep them: the options a StateStore takes
 * and the keeper that acquires, renews and releases one run's lease.
 *
 * @packageDocumentation
 */
export { LeaseKeeper, canLease } from './lease-keeper.js';
export {
  checkLeaseOptions,
  newOwnerId,
  type LeaseConfig,
  type LeaseOptions,
} from './lease-options.js';
