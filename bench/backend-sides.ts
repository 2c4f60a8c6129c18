/**
 * The two sides of a storage backend's benchmark (backends.ts), over any
 * StorageAdapter: runstate, a StateStore persisting and loading one
 * savepoint of n entities × ~1 KB, as scenario (b)/(c) does for SQLite; and
 * the storage write alone, pre-encoded states handed to
 * `storage.writeSavepoint`.
 *
 * runstate, untimed: building the run's new states, `updateState`-ing them
 * in, and pruning to one savepoint (so the timed write deletes nothing).
 * Timed persist: every entity's `ackProcessedTime(ts)` (encoding its state)
 * and `await store.flush()`, which resolves once the savepoint is durable.
 * Timed load: `await store.loadRunState()` of a fresh store. Timed storage
 * write: `writeSavepoint` of the same states, encoded beforehand (untimed),
 * at a timestamp between two of the store's, after an untimed prune.
 */
import {
  createStateStore,
  defaultCodec,
  type Entity,
  type StateStore,
  type StorageAdapter,
} from 'runstate';
import { collectGarbage as gc } from './gc.js';
import { entityId, makeState, makeStates } from './state-data.js';
import { msSince } from './stats.js';

const SCHEDULE = 60_000;
/** The run every side writes. */
export const RUN_ID = 'bench';

/** One side of a backend benchmark; times in ms. */
export interface Side {
  /** runstate only: the ack loop (encoding every state) of each persist. */
  readonly acksMs?: number[];
  /** runstate only: the storage write alone, after each persist. */
  readonly writesMs?: number[];
  /** Persist run `run`'s savepoint (run ≥ 1). */
  persist(run: number): Promise<number>;
  /** Load the savepoint persisted last. */
  load(): Promise<number>;
  /** runstate only: time the storage write alone (after `load`). */
  writeOnly?(): Promise<void>;
  close(): Promise<void>;
}

/** `writeSavepoint` of `states`, encoded beforehand, just after `ts`. */
async function timeStorageWrite(
  storage: StorageAdapter,
  ts: number,
  states: readonly unknown[],
): Promise<number> {
  const entries = states.map(
    (state, i) =>
      [entityId(i), defaultCodec.encode(state)] as [string, Uint8Array],
  );
  await storage.prune(RUN_ID, 1);
  gc();
  const start = process.hrtime.bigint();
  await storage.writeSavepoint(
    RUN_ID,
    { timestamp: ts + SCHEDULE / 2, entries },
    { keep: 2 },
  );
  return msSince(start);
}

/** runstate's side over the storage `open` opens (and the side closes). */
export async function runstateSide(
  open: () => Promise<StorageAdapter>,
  n: number,
): Promise<Side> {
  const storage = await open();
  const errors: Error[] = [];
  const acksMs: number[] = [];
  const store: StateStore = createStateStore({
    runId: RUN_ID,
    schedule: SCHEDULE,
    storage,
    onError: (error) => errors.push(error),
  });
  const defs = Array.from(
    { length: n },
    (_, i) => [entityId(i), makeState(i, 0)] as const,
  );
  let entities: Entity<unknown>[] = await store.initRunState<unknown>(0, defs);
  let ts = 0;
  const writesMs: number[] = [];
  let last: readonly unknown[] = [];
  return {
    acksMs,
    writesMs,
    async persist(run) {
      ts = run * SCHEDULE;
      await storage.prune(RUN_ID, 1);
      const states = makeStates(n, run);
      entities = entities.map((e, i) => e.updateState(ts - 1, states[i]));
      gc();
      const start = process.hrtime.bigint();
      for (let i = 0; i < entities.length; i++) {
        entities[i] = (entities[i] as Entity<unknown>).ackProcessedTime(ts);
      }
      acksMs.push(msSince(start));
      await store.flush();
      const ms = msSince(start);
      const [error] = errors;
      if (error !== undefined) throw error;
      if ((await storage.newestTimestamp(RUN_ID)) !== ts) {
        throw new Error(`savepoint ${ts} was not persisted`);
      }
      last = states;
      return ms;
    },
    async writeOnly() {
      writesMs.push(await timeStorageWrite(storage, ts, last));
    },
    async load() {
      const fresh = createStateStore({
        runId: RUN_ID,
        schedule: SCHEDULE,
        storage,
        // The persisting store still holds the run's lease: this one only
        // measures a load beside it, as a second reader would.
        lease: false,
      });
      try {
        gc();
        const start = process.hrtime.bigint();
        const loaded = await fresh.loadRunState();
        const ms = msSince(start);
        if (loaded.timestamp !== ts || loaded.entities.length !== n) {
          throw new Error(`loaded ${loaded.timestamp}, expected ${ts}`);
        }
        return ms;
      } finally {
        await fresh.close();
      }
    },
    async close() {
      await store.close();
      await storage.close();
    },
  };
}
