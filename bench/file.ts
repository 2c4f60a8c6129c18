/**
 * FileStorage: persisting and loading one savepoint of n entities × ~1 KB
 * (10 000 by default), runstate vs. a raw floor, measured side by side in
 * one process. Self-contained; run it with
 * `npx tsx --conditions=runstate-source bench/file.ts [entities] [runs] [compression]`.
 *
 * runstate: a StateStore over a `FileStorage` (default options: fsync on,
 * keep 2) in a temporary directory, as scenario (b)/(c) does for SQLite.
 * Untimed: building the run's new states, `updateState`-ing them in, and
 * pruning to one savepoint (so the timed write deletes nothing). Timed
 * persist: every entity's `ackProcessedTime(ts)` (encoding its state) and
 * `await store.flush()`, which resolves once the file is durable. Timed
 * load: `await store.loadRunState()` of a fresh store.
 *
 * Floor: the same bytes without runstate, as floor.ts does for SQLite: each
 * id and each state packed with a bare msgpackr Packr configured like
 * runstate's codec (no header, checksum or storability walk), the packed
 * values concatenated into one buffer, written to a temporary file,
 * fsynced, renamed, and the directory fsynced. Loading is `readFile` and
 * one `unpackMultiple` into `[id, state]` pairs. Untimed: building the states
 * and deleting the floor file from two runs before (so both sides have one
 * older file beside the new one and delete nothing while timed).
 *
 * Each run persists then loads on both sides, alternating which side goes
 * first; the first run is a warm-up. The heap is collected before every
 * timed step.
 */
import { mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createStateStore, type Entity, type StateStore } from 'runstate';
import { FileStorage, type FileCompression } from 'runstate/file';
import { floorPackr } from './floor.js';
import { entityId, makeState, makeStates } from './state-data.js';
import {
  fmt,
  fmtInt,
  fmtPercent,
  fmtRatio,
  msSince,
  summarize,
  type Summary,
} from './stats.js';

const SCHEDULE = 60_000;
const RUN_ID = 'bench';

/** What {@link runFileBench} measured; times in ms per savepoint. */
export interface FileBenchResult {
  readonly entities: number;
  readonly compression: FileCompression;
  readonly persist: { readonly runstate: Summary; readonly floor: Summary };
  /** runstate's ack loop (encoding every state), part of its persist time. */
  readonly acks: Summary;
  readonly load: { readonly runstate: Summary; readonly floor: Summary };
  /** Floor time / runstate time of persisting (its share of the floor's throughput), min and median. */
  readonly persistThroughput: { readonly min: number; readonly median: number };
  /** runstate time / floor time of loading, min and median. */
  readonly loadRatio: { readonly min: number; readonly median: number };
}

/** Options of {@link runFileBench}. */
export interface FileBenchOptions {
  readonly entities?: number;
  /** Timed runs per side, after one warm-up run. */
  readonly runs?: number;
  readonly compression?: FileCompression;
}

interface Side {
  /** runstate only: the ack loop (encoding every state) of each persist. */
  readonly acksMs?: number[];
  persist(run: number): Promise<number>;
  load(): Promise<number>;
  close(): Promise<void>;
}

/** `gc()`, exposed at run time when node was started without --expose-gc. */
const gc: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

async function runstateSide(
  dir: string,
  n: number,
  compression: FileCompression,
): Promise<Side> {
  const storage = await FileStorage.open({ directory: dir, compression });
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
  return {
    acksMs,
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
      return ms;
    },
    async load() {
      const fresh = createStateStore({
        runId: RUN_ID,
        schedule: SCHEDULE,
        storage,
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

/** Write `data` as `path`: temp file, fsync, rename, fsync of `dir`. */
async function writeDurably(dir: string, path: string, data: Uint8Array) {
  const temp = `${path}.tmp`;
  const file = await open(temp, 'w');
  await file.writeFile(data);
  await file.sync();
  await file.close();
  await rename(temp, path);
  const directory = await open(dir, 'r');
  await directory.sync();
  await directory.close();
}

function floorSide(dir: string, n: number): Side {
  const packr = floorPackr();
  const ids = Array.from({ length: n }, (_, i) => entityId(i));
  const fileOf = (run: number) => join(dir, `floor-${run}.bin`);
  let live: unknown[] = makeStates(n, 0);
  let path = '';
  return {
    async persist(run) {
      await rm(fileOf(run - 2), { force: true });
      live = makeStates(n, run);
      path = fileOf(run);
      gc();
      const start = process.hrtime.bigint();
      const parts = new Array<Uint8Array>(2 * n);
      for (let i = 0; i < n; i++) {
        parts[2 * i] = packr.pack(ids[i]);
        parts[2 * i + 1] = packr.pack(live[i]);
      }
      await writeDurably(dir, path, Buffer.concat(parts));
      return msSince(start);
    },
    async load() {
      gc();
      const start = process.hrtime.bigint();
      const values = packr.unpackMultiple(await readFile(path)) as unknown[];
      const pairs = new Array<[string, unknown]>(values.length / 2);
      for (let i = 0; i < pairs.length; i++) {
        pairs[i] = [values[2 * i] as string, values[2 * i + 1]];
      }
      const ms = msSince(start);
      if (pairs.length !== n) throw new Error(`floor read ${pairs.length}`);
      return ms;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Measure persisting and loading one savepoint through FileStorage and
 * through the raw floor, alternating, in temporary directories.
 */
export async function runFileBench(
  options: FileBenchOptions = {},
): Promise<FileBenchResult> {
  const { entities = 10_000, runs = 15, compression = 'none' } = options;
  const root = await mkdtemp(join(tmpdir(), 'runstate-bench-file-'));
  const sides = {
    runstate: await runstateSide(join(root, 'runstate'), entities, compression),
    floor: floorSide(root, entities),
  };
  const times: Record<
    keyof typeof sides,
    Record<'persist' | 'load', number[]>
  > = {
    runstate: { persist: [], load: [] },
    floor: { persist: [], load: [] },
  };
  try {
    for (let run = 1; run <= runs + 1; run++) {
      const order =
        run % 2 === 1
          ? (['runstate', 'floor'] as const)
          : (['floor', 'runstate'] as const);
      for (const name of order) {
        const persist = await sides[name].persist(run);
        const load = await sides[name].load();
        if (run === 1) continue;
        times[name].persist.push(persist);
        times[name].load.push(load);
      }
    }
  } finally {
    await sides.runstate.close();
    await rm(root, { recursive: true, force: true });
  }
  const persist = {
    runstate: summarize(times.runstate.persist),
    floor: summarize(times.floor.persist),
  };
  const load = {
    runstate: summarize(times.runstate.load),
    floor: summarize(times.floor.load),
  };
  return {
    entities,
    compression,
    persist,
    acks: summarize(sides.runstate.acksMs?.slice(1) ?? []),
    load,
    persistThroughput: {
      min: persist.floor.min / persist.runstate.min,
      median: persist.floor.median / persist.runstate.median,
    },
    loadRatio: {
      min: load.runstate.min / load.floor.min,
      median: load.runstate.median / load.floor.median,
    },
  };
}

/** The result as a few lines of text. */
export function formatFileBench(r: FileBenchResult): string {
  const rate = (s: Summary) =>
    `${fmtInt((r.entities * 1000) / s.min)} / ${fmtInt((r.entities * 1000) / s.median)} states/s (${fmt(s.min)} / ${fmt(s.median)} ms)`;
  const ms = (s: Summary) => `${fmt(s.min)} / ${fmt(s.median)} ms`;
  const { persistThroughput: p, loadRatio: l } = r;
  return [
    `FileStorage (compression ${r.compression}), ${fmtInt(r.entities)} entities × ~1 KB, ${r.persist.runstate.runs} runs, min / median`,
    `persist  runstate ${rate(r.persist.runstate)}`,
    `         of which the acks (encoding every state): ${ms(r.acks)}`,
    `         floor    ${rate(r.persist.floor)}`,
    `         runstate reaches ${fmtPercent(p.min)} / ${fmtPercent(p.median)} of the floor's throughput (target ≥ 70 %)`,
    `load     runstate ${ms(r.load.runstate)}`,
    `         floor    ${ms(r.load.floor)}`,
    `         ratio ${fmtRatio(l.min)} / ${fmtRatio(l.median)} (target ≤ 1.3×)`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entities, runs, compression] = process.argv.slice(2);
  runFileBench({
    ...(entities === undefined ? {} : { entities: Number(entities) }),
    ...(runs === undefined ? {} : { runs: Number(runs) }),
    ...(compression === undefined
      ? {}
      : { compression: compression as FileCompression }),
  })
    .then((result) => console.log(formatFileBench(result)))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
