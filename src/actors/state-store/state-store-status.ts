import type { SnapshotFrom } from 'xstate';
import type { StoreProbeStatus } from '../../metrics/index.js';
import { missingEntities } from '../../schedule/index.js';
import type { StateStoreMachine } from './state-store-machine.js';
import type { StoreCounters } from './state-store-types.js';

/** An open savepoint and the entities it still waits for. */
export interface OpenSavepointStatus {
  /** The savepoint's scheduled timestamp. */
  readonly timestamp: number;
  /** How many entities have saved into it. */
  readonly filled: number;
  /** The ids that have not saved yet: these hold the savepoint back. */
  readonly missing: readonly string[];
}

/** A snapshot of what a StateStore is doing, from `status()`. */
export interface StateStoreStatus {
  /** The run. */
  readonly runId: string;
  /** Lifecycle phase. */
  readonly phase:
    | 'uninitialized'
    | 'initializing'
    | 'loading'
    | 'ready'
    | 'persisting'
    | 'closed';
  /** The newest savepoint handed to persistence (or loaded). */
  readonly latestCollected: number | undefined;
  /** The newest savepoint known durable (persisted or loaded). */
  readonly newestPersisted: number | undefined;
  /** Complete savepoints waiting for (or in) persistence. */
  readonly pendingPersists: number;
  /** Saves accepted but not yet handed to the actor (this microtask). */
  readonly pendingSaves: number;
  /** Each open savepoint, oldest first. */
  readonly open: readonly OpenSavepointStatus[];
  /** Counters of ignored and failed work. */
  readonly counters: StoreCounters;
  /** The state version this store writes (`docs/migrations.md`). */
  readonly version: number;
}

/** @internal */
export function storeStatus(
  runId: string,
  snapshot: SnapshotFrom<StateStoreMachine>,
  pendingSaves: number,
): StateStoreStatus {
  const { context } = snapshot;
  const open = [...(context.runState?.open.values() ?? [])].map((sp) => ({
    timestamp: sp.timestamp,
    filled: sp.filled,
    missing: missingEntities(sp),
  }));
  return {
    runId,
    phase: phaseOf(snapshot),
    latestCollected: context.runState?.latestCollected,
    newestPersisted: context.persistedNewest,
    pendingPersists: context.queue.length,
    pendingSaves,
    open,
    counters: context.counters,
    version: context.io.version,
  };
}

/**
 * What a metrics recorder reads: the open savepoints' timestamps without
 * their missing entities (which cost a pass over every entity), so a
 * collection stays cheap on a store of many entities.
 *
 * @internal
 */
export function probeStatus(
  snapshot: SnapshotFrom<StateStoreMachine>,
): StoreProbeStatus {
  const { context } = snapshot;
  const open = [...(context.runState?.open.keys() ?? [])].map((timestamp) => ({
    timestamp,
  }));
  return {
    latestCollected: context.runState?.latestCollected,
    newestPersisted: context.persistedNewest,
    open,
    counters: context.counters,
  };
}

function phaseOf(
  snapshot: SnapshotFrom<StateStoreMachine>,
): StateStoreStatus['phase'] {
  if (snapshot.matches({ ready: 'persisting' })) return 'persisting';
  if (snapshot.matches('ready')) return 'ready';
  if (snapshot.matches('initializing')) return 'initializing';
  if (snapshot.matches('loading')) return 'loading';
  if (snapshot.matches('closed')) return 'closed';
  return 'uninitialized';
}
