/**
 * Child process of the persistence benchmarks (b), (c) and (d). Usage
 * (through `fork`, which passes tsx's exec arguments on):
 * `child.ts <sides> <entities> <runs> <dir>` where `<sides>` is `library`,
 * `floor` or `library,floor`.
 *
 * Each run is, per side, a persist (b) followed by a load (c) of the
 * savepoint just written; with both sides, they alternate within every run
 * (and which goes first alternates between runs), so both see the same
 * machine conditions. The first run is a warm-up and is not reported. When
 * the child was started with `--expose-gc`, the heap is collected before each
 * timed step, so no step pays for the garbage of the one before it.
 *
 * Run with a single side, the process's peak RSS (`maxRSS`) belongs to that
 * side and size alone: that is how the memory column of (d) is measured.
 */
import { join } from 'node:path';
import { Floor } from './floor.js';
import { loadFloor, loadLibrary } from './load.js';
import {
  closeLibrary,
  openLibrary,
  persistFloor,
  persistLibrary,
  prepareFloorRun,
  prepareLibraryRun,
} from './persist.js';
import { entityId, makeStates } from './state-data.js';

export type Side = 'library' | 'floor';

/** Timed runs of one side, ms. */
export interface SideTimes {
  readonly persistMs: number[];
  /** runstate only: the ack loop part of each persist. */
  readonly acksMs: number[];
  readonly loadMs: number[];
}

/** What one child measured. */
export interface ChildResult {
  readonly entities: number;
  readonly times: Partial<Record<Side, SideTimes>>;
  /** Peak resident set size of the whole child (bytes). */
  readonly maxRss: number;
  /** RSS and heap after setup, before the first run (bytes). */
  readonly setupRss: number;
  readonly setupHeap: number;
  /** Highest heapUsed sampled during the runs (bytes). */
  readonly peakHeap: number;
}

/** Peak heapUsed, sampled on demand and every few ms. */
class Sampler {
  peakHeap = 0;
  readonly #timer = setInterval(() => this.sample(), 5).unref();

  readonly sample = (): void => {
    const { heapUsed } = process.memoryUsage();
    if (heapUsed > this.peakHeap) this.peakHeap = heapUsed;
  };

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** One side: untimed setup done, timed steps ready. */
interface Contender {
  readonly side: Side;
  persist(run: number): Promise<{ ms: number; acksMs?: number }>;
  load(): Promise<number>;
  close(): Promise<void>;
}

const settle = (): void => (globalThis as { gc?: () => void }).gc?.();

async function libraryContender(
  n: number,
  dir: string,
  sampler: Sampler,
): Promise<Contender> {
  const lib = await openLibrary(dir, n);
  let ts = 0;
  return {
    side: 'library',
    persist: async (run) => {
      ts = await prepareLibraryRun(lib, run);
      settle();
      return persistLibrary(lib, ts, sampler.sample);
    },
    load: () => {
      settle();
      return loadLibrary(lib, ts, sampler.sample);
    },
    close: () => closeLibrary(lib),
  };
}

function floorContender(n: number, dir: string, sampler: Sampler): Contender {
  const floor = new Floor(join(dir, 'floor.db'));
  const ids = Array.from({ length: n }, (_, i) => entityId(i));
  // Hold the current states between runs, as runstate's entities do, so both
  // sides keep the same live data and peak memory compares like for like.
  let live: unknown[] = makeStates(n, 0);
  return {
    side: 'floor',
    persist: (run) => {
      live = prepareFloorRun(floor, n, run);
      settle();
      const ms = persistFloor(floor, ids, live, sampler.sample);
      return Promise.resolve({ ms });
    },
    load: () => {
      settle();
      return Promise.resolve(loadFloor(floor, n, sampler.sample));
    },
    close: () => Promise.resolve(floor.close()),
  };
}

async function runAll(
  contenders: Contender[],
  runs: number,
): Promise<Partial<Record<Side, SideTimes>>> {
  const times: Partial<Record<Side, SideTimes>> = {};
  for (const c of contenders) {
    times[c.side] = { persistMs: [], acksMs: [], loadMs: [] };
  }
  for (let run = 1; run <= runs + 1; run++) {
    const order = run % 2 === 1 ? contenders : [...contenders].reverse();
    for (const c of order) {
      const persist = await c.persist(run);
      const load = await c.load();
      if (run === 1) continue; // warm-up
      times[c.side]?.persistMs.push(persist.ms);
      if (persist.acksMs !== undefined) {
        times[c.side]?.acksMs.push(persist.acksMs);
      }
      times[c.side]?.loadMs.push(load);
    }
  }
  return times;
}

function parseArgs(): { sides: Side[]; n: number; runs: number; dir: string } {
  const [sideList = '', entities, runs, dir = ''] = process.argv.slice(2);
  const sides = sideList.split(',');
  const n = Number(entities);
  if (
    !sides.every((s) => s === 'library' || s === 'floor') ||
    !(n > 0) ||
    dir === ''
  ) {
    throw new Error('usage: child.ts <library,floor> <entities> <runs> <dir>');
  }
  return { sides, n, runs: Number(runs), dir };
}

async function main(): Promise<void> {
  const { sides, n, runs, dir } = parseArgs();
  const sampler = new Sampler();
  const contenders: Contender[] = [];
  for (const side of sides) {
    contenders.push(
      side === 'library'
        ? await libraryContender(n, dir, sampler)
        : floorContender(n, dir, sampler),
    );
  }
  settle();
  const setup = process.memoryUsage();
  const times = await runAll(contenders, runs);
  for (const c of contenders) await c.close();
  sampler.stop();
  const result: ChildResult = {
    entities: n,
    times,
    maxRss: process.resourceUsage().maxRSS * 1024,
    setupRss: setup.rss,
    setupHeap: setup.heapUsed,
    peakHeap: sampler.peakHeap,
  };
  process.send?.(result);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
