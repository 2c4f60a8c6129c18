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
  resumeOrStart,
  type Entity,
  type StorageAdapter,
  type StoredSavepoint,
  type WriteSavepointOptions,
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

/** Delegates to the backend, announcing each savepoint write and its commit. */
class ReportingStorage implements StorageAdapter {
  readonly #inner: StorageAdapter;
  constructor(inner: StorageAdapter) {
    this.#inner = inner;
  }
  get readOnly(): boolean {
    return this.#inner.readOnly;
  }
  isInitialized(runId: string): Promise<boolean> {
    return this.#inner.isInitialized(runId);
  }
  initRun(runId: string): Promise<void> {
    return this.#inner.initRun(runId);
  }
  async writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    options: WriteSavepointOptions,
  ): Promise<void> {
    say(`begin ${savepoint.timestamp}`);
    await this.#inner.writeSavepoint(runId, savepoint, options);
    say(`end ${savepoint.timestamp}`);
  }
  readSavepoint(
    runId: string,
    timestamp?: number,
  ): Promise<StoredSavepoint | undefined> {
    return this.#inner.readSavepoint(runId, timestamp);
  }
  newestTimestamp(runId: string): Promise<number | undefined> {
    return this.#inner.newestTimestamp(runId);
  }
  listSavepoints(runId: string): Promise<number[]> {
    return this.#inner.listSavepoints(runId);
  }
  prune(runId: string, keep: number): Promise<number> {
    return this.#inner.prune(runId, keep);
  }
  quarantineSavepoint(runId: string, timestamp: number): Promise<void> {
    return this.#inner.quarantineSavepoint(runId, timestamp);
  }
  deleteRun(runId: string): Promise<boolean> {
    return this.#inner.deleteRun(runId);
  }
  listRuns(): Promise<string[]> {
    return this.#inner.listRuns();
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const storage = new ReportingStorage(await backend.openWritable(target));
const store = createStateStore({
  runId: RUN_ID,
  schedule: SCHEDULE,
  storage,
  keep: KEEP,
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
