/**
 * Scenario (b): persisting one savepoint of n entities, runstate vs. floor.
 *
 * runstate: a StateStore over a file `SqliteStorage` with default options
 * (WAL, `synchronous = FULL`, keep 2). Untimed setup: opening the storage,
 * creating the store, `initRunState` with n entities, and (each run) building
 * the run's new states and `updateState`-ing them in. Timed: every entity's
 * `ackProcessedTime(ts)` (which encodes and files its state) and then
 * `await store.flush()`, which resolves when the savepoint is committed.
 *
 * Floor: the same states encoded with a bare msgpackr Packr and inserted in
 * one transaction (see floor.ts). Untimed: building the states and emptying
 * the table.
 */
import { join } from 'node:path';
import {
  createStateStore,
  type Entity,
  type StateStore,
  type StateStoreOptions,
} from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import type { Floor } from './floor.js';
import { entityId, makeState, makeStates } from './state-data.js';
import { msSince } from './stats.js';

/** The savepoint schedule; run r saves the savepoint at r × SCHEDULE. */
export const SCHEDULE = 60_000;
export const RUN_ID = 'bench';

/** A runstate setup: storage, store and its n entities. */
export interface Library {
  readonly storage: SqliteStorage;
  readonly store: StateStore;
  entities: Entity<unknown>[];
  /** Timestamps of the savepoints reported by onPersisted. */
  readonly persisted: number[];
  /** Errors reported to onError (a correct run has none). */
  readonly errors: Error[];
}

/** Untimed setup: open the storage in `dir` and initialise n entities. */
export async function openLibrary(
  dir: string,
  n: number,
  extra: Partial<StateStoreOptions> = {},
): Promise<Library> {
  const storage = await SqliteStorage.open({ path: join(dir, 'runstate.db') });
  const persisted: number[] = [];
  const errors: Error[] = [];
  const store = createStateStore({
    runId: RUN_ID,
    schedule: SCHEDULE,
    storage,
    onPersisted: (info) => persisted.push(info.timestamp),
    onError: (error) => errors.push(error),
    ...extra,
  });
  const defs = Array.from(
    { length: n },
    (_, i) => [entityId(i), makeState(i, 0)] as const,
  );
  const entities = await store.initRunState<unknown>(0, defs);
  return { storage, store, entities, persisted, errors };
}

/** Untimed: give every entity run `run`'s state, changed just before `ts`. */
export async function prepareLibraryRun(
  lib: Library,
  run: number,
): Promise<number> {
  const ts = run * SCHEDULE;
  // Untimed, like the floor's clear(): keep only the newest savepoint, so the
  // timed write (keep 2) deletes nothing, as when a run saves for the first time.
  await lib.storage.prune(RUN_ID, 1);
  const states = makeStates(lib.entities.length, run);
  lib.entities = lib.entities.map((entity, i) =>
    entity.updateState(ts - 1, states[i]),
  );
  return ts;
}

export interface PersistTime {
  readonly ms: number;
  /** The acks: checks, encoding and handing every state to the store. */
  readonly acksMs: number;
}

/**
 * Timed: ack every entity at `ts` and wait until the savepoint is durable.
 * `midpoint` runs between the acks and the flush (memory sampling).
 */
export async function persistLibrary(
  lib: Library,
  ts: number,
  midpoint: () => void = () => undefined,
): Promise<PersistTime> {
  const { entities } = lib;
  const start = process.hrtime.bigint();
  for (let i = 0; i < entities.length; i++) {
    entities[i] = (entities[i] as Entity<unknown>).ackProcessedTime(ts);
  }
  const acksMs = msSince(start);
  midpoint();
  await lib.store.flush();
  const ms = msSince(start);
  checkLibraryRun(lib, ts);
  return { ms, acksMs };
}

function checkLibraryRun(lib: Library, ts: number): void {
  const [error] = lib.errors;
  if (error !== undefined) throw error;
  if (lib.persisted.at(-1) !== ts) {
    throw new Error(
      `savepoint ${ts} was not persisted (last: ${lib.persisted.at(-1)})`,
    );
  }
}

/** Untimed teardown. */
export async function closeLibrary(lib: Library): Promise<void> {
  await lib.store.close();
  await lib.storage.close();
}

/** Untimed part of a floor run: the run's states and an empty table. */
export function prepareFloorRun(
  floor: Floor,
  n: number,
  run: number,
): unknown[] {
  floor.clear();
  return makeStates(n, run);
}

/** Timed: encode and insert every state in one transaction. */
export function persistFloor(
  floor: Floor,
  ids: readonly string[],
  states: readonly unknown[],
  afterwards: () => void = () => undefined,
): number {
  const start = process.hrtime.bigint();
  floor.write(ids, states);
  const ms = msSince(start);
  afterwards(); // untimed (memory sampling)
  return ms;
}
