/**
 * The options of a run lease as a StateStore (or a worker) holds it, and
 * their check.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  checkId,
  checkOptions,
  checkPositiveInteger,
  show,
} from '../validate.js';

/** How a StateStore holds its run's lease (`StateStoreOptions.lease`). */
export interface LeaseOptions {
  /**
   * How long the lease outlives its holder's last renewal, in ms: after a
   * crash, the run is free again this long after the last renewal. Shorter
   * means faster failover, and more renewal traffic.
   *
   * @defaultValue 10 000
   */
  readonly ttlMs?: number;
  /**
   * How often the lease is renewed, in ms; less than `ttlMs`.
   *
   * @defaultValue a third of `ttlMs`
   */
  readonly renewEveryMs?: number;
  /**
   * How long `initRunState`/`loadRunState` wait for a run another owner
   * holds, in ms, retrying until it is free. 0 fails at once with
   * `E_LOCKED`.
   *
   * @defaultValue 0
   */
  readonly waitMs?: number;
  /**
   * Who holds the lease, for logs and `E_LOCKED` details; must be unique
   * to this store.
   *
   * @defaultValue `<hostname>:<pid>:<random>`
   */
  readonly owner?: string;
}

/** Lease options with every default filled in. @internal */
export interface LeaseConfig {
  readonly ttlMs: number;
  readonly renewEveryMs: number;
  readonly waitMs: number;
  readonly owner: string;
}

/** A new unique owner id: `<hostname>:<pid>:<random>`. @internal */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Check lease options and fill in the defaults.
 *
 * @param name - the option's name in messages (`options.lease`)
 * @throws `TypeError`/`RangeError` naming the option and the value.
 * @internal
 */
export function checkLeaseOptions(name: string, value: unknown): LeaseConfig {
  checkOptions(name, value);
  const o = value as LeaseOptions;
  const ttlMs =
    o.ttlMs === undefined
      ? 10_000
      : checkPositiveInteger(`${name}.ttlMs`, o.ttlMs);
  const renewEveryMs =
    o.renewEveryMs === undefined
      ? Math.max(1, Math.floor(ttlMs / 3))
      : checkPositiveInteger(`${name}.renewEveryMs`, o.renewEveryMs);
  if (renewEveryMs >= ttlMs) {
    throw new RangeError(
      `${name}.renewEveryMs must be less than ${name}.ttlMs (${ttlMs}), got ${show(renewEveryMs)}`,
    );
  }
  let waitMs = 0;
  if (o.waitMs !== undefined && o.waitMs !== 0) {
    waitMs = checkPositiveInteger(`${name}.waitMs`, o.waitMs);
  }
  const owner =
    o.owner === undefined ? newOwnerId() : checkId(`${name}.owner`, o.owner);
  return Object.freeze({ ttlMs, renewEveryMs, waitMs, owner });
}
