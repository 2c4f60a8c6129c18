/**
 * One renewal timer per storage and interval, however many leases a
 * process holds on it: a thousand idle runs keep one unref'd timer, not a
 * thousand.
 *
 * @packageDocumentation
 */
import type { StorageAdapter } from '../storage/index.js';

/** Something renewed on every tick. @internal */
export interface Renewable {
  /** Renew once; must not throw (failures are handled inside). */
  renew(): Promise<void>;
}

interface Group {
  readonly members: Set<Renewable>;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
}

const groups = new WeakMap<StorageAdapter, Map<number, Group>>();

function groupOf(storage: StorageAdapter, everyMs: number): Group {
  let byInterval = groups.get(storage);
  if (byInterval === undefined) {
    byInterval = new Map();
    groups.set(storage, byInterval);
  }
  let group = byInterval.get(everyMs);
  if (group === undefined) {
    group = { members: new Set(), timer: undefined, running: false };
    byInterval.set(everyMs, group);
  }
  return group;
}

/**
 * Renew `member` every `everyMs` (with the others on the same storage and
 * interval) until {@link unregister}.
 *
 * @internal
 */
export function register(
  storage: StorageAdapter,
  everyMs: number,
  member: Renewable,
): void {
  const group = groupOf(storage, everyMs);
  group.members.add(member);
  if (group.timer !== undefined) return;
  group.timer = setInterval(() => {
    // A tick still renewing (a slow storage) skips this one.
    if (group.running) return;
    group.running = true;
    const all = [...group.members].map((m) => m.renew());
    void Promise.all(all).finally(() => {
      group.running = false;
    });
  }, everyMs);
  group.timer.unref();
}

/** Stop renewing `member`; the timer goes with the last one. @internal */
export function unregister(
  storage: StorageAdapter,
  everyMs: number,
  member: Renewable,
): void {
  const group = groups.get(storage)?.get(everyMs);
  if (group === undefined || !group.members.delete(member)) return;
  if (group.members.size > 0 || group.timer === undefined) return;
  clearInterval(group.timer);
  group.timer = undefined;
}
