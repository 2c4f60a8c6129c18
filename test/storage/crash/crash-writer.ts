/**
 * Child process of the crash test (`crash-harness.ts`): an endless stream
 * processor that persists savepoints to one backend as fast as it can until
 * it is killed. Not a test file; not meant to be run by hand.
 *
 * Usage: crash-writer.ts <backend> <target> <seed>, where the backend is a
 * name from `crash-backends.ts` and the target is what that backend opens
 * (a SQLite path, a Postgres schema, a Redis key prefix).
 *
 * Reports on stdout, one line each, written synchronously (`writeSync`), so
 * whatever it printed before a SIGKILL is still in the pipe for the parent:
 *
 * - `ready <timestamp> <resumed 0|1>` once resumed or started;
 * - `begin <timestamp>` just before a savepoint's write is sent;
 * - `end <timestamp>` once the backend has reported it committed;
 * - `error <code> <message>` for anything reported to `onError`.
 */
import { writeSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  createStateStore,
  decorateStorage,
  resumeOrStart,
  type Entity,
} from 'runstate';
import { backendNamed } from './crash-backends.js';
import {
  KEEP,
  RUN_ID,
  SCHEDULE,
  START,
  entityIds,
  storedState,
  verifyState,
  type WorkingState,
} from './crash-model.js';

const [backendArg, target, seedArg] = process.argv.slice(2);
if (backendArg === undefined || target === undefined || seedArg === undefined) {
  throw new Error('usage: crash-writer.ts <backend> <target> <seed>');
}
const backend = backendNamed(backendArg);
const seed = Number(seedArg);
if (!Number.isSafeInteger(seed) || seed < 0) {
  throw new Error(`seed must be a non-negative integer, got ${seedArg}`);
}

const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};

// Announce each savepoint write and its commit.
const storage = decorateStorage(await backend.openWritable(target), {
  writeSavepoint: async (next, runId, savepoint, options) => {
    say(`begin ${savepoint.timestamp}`);
    await next(runId, savepoint, options);
    say(`end ${savepoint.timestamp}`);
  },
});
const store = createStateStore({
  runId: RUN_ID,
  schedule: SCHEDULE,
  storage,
  keep: KEEP,
  // This test is about atomic savepoints under SIGKILL, restarting the
  // writer at once: without this, each restart would wait out the killed
  // writer's lease (leases have their own process tests in test/lease).
  lease: false,
  onError: (error) =>
    say(`error ${error.code} ${error.message.replaceAll('\n', ' ')}`),
});

const ids = entityIds(seed);
const start = await resumeOrStart<WorkingState>(store, {
  startFrom: START,
  entities: ids.map((id) => [id, { handled: 0 }] as const),
  // Resuming checks what was loaded too: a bad savepoint fails the start.
  update: (states, timestamp) => {
    if (states.length !== ids.length) {
      throw new Error(`loaded ${states.length} states, expected ${ids.length}`);
    }
    return states.map(([id, state]) => {
      const handled = verifyState(seed, id, state);
      if (handled !== timestamp - START) {
        throw new Error(`${id} handled ${handled} messages at ${timestamp}`);
      }
      return [id, { handled }] as const;
    });
  },
});
say(`ready ${start.timestamp} ${start.resumed ? 1 : 0}`);

// One message per millisecond, replayed from the resume point; every entity
// handles every message. The persisted form is built only when a save is due.
const entities = start.entities;
const toStored = (entity: Entity<WorkingState>): unknown =>
  storedState(seed, entity.id, entity.state.handled);
for (let ts = start.timestamp; ; ts++) {
  for (let i = 0; i < entities.length; i++) {
    const acked = (entities[i] as Entity<WorkingState>).ackProcessedTime(
      ts,
      toStored,
    );
    entities[i] = acked.updateState(ts, { handled: acked.state.handled + 1 });
  }
  if (ts % SCHEDULE === 0) {
    // A savepoint was just filed: let it persist before running further
    // ahead, and let the event loop turn.
    await store.flush();
    await yieldToLoop();
  }
}
