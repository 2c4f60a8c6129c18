/**
 * The observable side of the OpenTelemetry recorder: live stores' probes
 * (and closed stores' totals) summed into one group per attribute set.
 *
 * @packageDocumentation
 */
import type { StoreProbeStatus } from '../metrics/index.js';

/** The outcomes a store counts, as `runstate.savepoint.outcome` values. */
export const OUTCOMES = [
  'persisted',
  'failed',
  'superseded',
  'discarded',
] as const;

/** Savepoints per outcome. */
export type Totals = Record<(typeof OUTCOMES)[number], number>;

/** All zero. */
export const zeroTotals = (): Totals => ({
  persisted: 0,
  failed: 0,
  superseded: 0,
  discarded: 0,
});

/** What one attribute set (all runs, or one run) adds up to. */
export interface Group {
  readonly totals: Totals;
  open: number;
  /** Seconds; undefined when nothing is open. */
  oldestOpenAge: number | undefined;
  /** Seconds; undefined when nothing was persisted or loaded yet. */
  recoveryAge: number | undefined;
}

/** The group under `key`, created empty when missing. */
export function groupOf(groups: Map<string, Group>, key: string): Group {
  let group = groups.get(key);
  if (group === undefined) {
    group = {
      totals: zeroTotals(),
      open: 0,
      oldestOpenAge: undefined,
      recoveryAge: undefined,
    };
    groups.set(key, group);
  }
  return group;
}

const maxOf = (a: number | undefined, b: number): number =>
  a === undefined ? b : Math.max(a, b);

/**
 * Add one live store's status to a group. Ages are in message time: the
 * newest savepoint timestamp the store has reached (open, collected or
 * persisted) minus the oldest open one, and minus the newest persisted one
 * (how much input a crash now would replay), in seconds.
 */
export function addStatus(group: Group, status: StoreProbeStatus): void {
  for (const outcome of OUTCOMES) {
    group.totals[outcome] += status.counters[outcome];
  }
  const { open, latestCollected, newestPersisted } = status;
  group.open += open.length;
  const frontier = Math.max(
    latestCollected ?? -Infinity,
    newestPersisted ?? -Infinity,
    open.at(-1)?.timestamp ?? -Infinity,
  );
  const oldest = open[0];
  if (oldest !== undefined) {
    const age = (frontier - oldest.timestamp) / 1000;
    group.oldestOpenAge = maxOf(group.oldestOpenAge, age);
  }
  if (newestPersisted !== undefined) {
    const age = (frontier - newestPersisted) / 1000;
    group.recoveryAge = maxOf(group.recoveryAge, age);
  }
}
