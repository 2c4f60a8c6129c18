/**
 * Scenario (c): loading the savepoint written by scenario (b), runstate vs.
 * floor.
 *
 * runstate: a fresh StateStore over the same `SqliteStorage` (creating it is
 * untimed setup; it does no I/O), then timed `await store.loadRunState()`:
 * finding the newest savepoint, reading its rows, checking and decoding every
 * blob, rebuilding the RunState and creating one Entity per state.
 *
 * Floor: `SELECT entity_id, state` of every row of the floor table and a
 * msgpackr `unpack` of each blob into an `[id, state]` list.
 */
import { createStateStore } from 'runstate';
import type { Floor } from './floor.js';
import { RUN_ID, SCHEDULE, type Library } from './persist.js';
import { msSince } from './stats.js';

/**
 * Timed: load the newest savepoint through a fresh store; checks it.
 * `afterwards` runs after the clock stops (memory sampling).
 */
export async function loadLibrary(
  lib: Library,
  expectedTimestamp: number,
  afterwards: () => void = () => undefined,
): Promise<number> {
  const store = createStateStore({
    runId: RUN_ID,
    schedule: SCHEDULE,
    storage: lib.storage,
    // The persist scenario's store still holds the run (and its lease):
    // this one only measures a load beside it, as a second reader would.
    lease: false,
  });
  try {
    const start = process.hrtime.bigint();
    const loaded = await store.loadRunState();
    const ms = msSince(start);
    afterwards(); // untimed, while the loaded states are alive
    if (
      loaded.timestamp !== expectedTimestamp ||
      loaded.entities.length !== lib.entities.length
    ) {
      throw new Error(
        `loaded savepoint ${loaded.timestamp} with ${loaded.entities.length} entities, expected ${expectedTimestamp} with ${lib.entities.length}`,
      );
    }
    return ms;
  } finally {
    await store.close();
  }
}

/** Timed: select and decode every floor row; checks the count. */
export function loadFloor(
  floor: Floor,
  expected: number,
  afterwards: () => void = () => undefined,
): number {
  const start = process.hrtime.bigint();
  const states = floor.read();
  const ms = msSince(start);
  afterwards(); // untimed, while the loaded states are alive
  if (states.length !== expected) {
    throw new Error(`floor read ${states.length} rows, expected ${expected}`);
  }
  return ms;
}
