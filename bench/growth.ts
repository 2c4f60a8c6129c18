/**
 * Scenarios (b), (c) and (d): runs the child processes of child.ts for each
 * size (1 000, 10 000, 100 000 entities) and summarises them.
 *
 * Per size: one child measures runstate and the floor side by side (timings,
 * several runs each), then one child per side measures that side alone for
 * its peak memory. Each child gets its own temporary directory under
 * `os.tmpdir()`, removed when it exits.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildResult, Side } from './child.js';
import { summarize, type Summary } from './stats.js';

/** Entity counts of (d); (b) and (c) are the 10 000 row. */
export const SIZES = [1_000, 10_000, 100_000] as const;
/** Timed runs per side (after one warm-up run), by size. */
const RUNS: Record<number, number> = { 1_000: 21, 10_000: 11, 100_000: 5 };
/** A child that takes longer than this is killed (the bench fails). */
const CHILD_TIMEOUT_MS = 240_000;

/** Memory of one side, measured alone in its own process. */
export interface MemoryFigures {
  /** Peak RSS of the process (`resourceUsage().maxRSS`), bytes. */
  readonly maxRss: number;
  /** RSS and heapUsed once set up, before the first run, bytes. */
  readonly setupRss: number;
  readonly setupHeap: number;
  /** Highest heapUsed sampled during the runs, bytes. */
  readonly peakHeap: number;
}

/** Everything measured at one size. Times in ms per savepoint. */
export interface SizeResult {
  readonly entities: number;
  readonly persist: Record<Side, Summary>;
  /** runstate's ack loop (encode + hand over), part of its persist time. */
  readonly acks: Summary;
  readonly load: Record<Side, Summary>;
  readonly memory: Record<Side, MemoryFigures>;
}

/** Run child.ts with `--expose-gc` in a fresh temp dir; resolve its result. */
function runChild(
  sides: readonly Side[],
  entities: number,
  runs: number,
): Promise<ChildResult> {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-bench-'));
  const args = [sides.join(','), String(entities), String(runs), dir];
  const child = fork(new URL('./child.ts', import.meta.url), args, {
    execArgv: [...process.execArgv, '--expose-gc'],
    timeout: CHILD_TIMEOUT_MS,
  });
  return new Promise<ChildResult>((resolve, reject) => {
    let result: ChildResult | undefined;
    child.on('message', (message) => (result = message as ChildResult));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      if (result !== undefined && code === 0) resolve(result);
      else {
        reject(
          new Error(
            `bench child ${args.slice(0, 3).join(' ')} failed (exit ${code}, signal ${signal})`,
          ),
        );
      }
    });
  });
}

function memoryOf(result: ChildResult): MemoryFigures {
  return {
    maxRss: result.maxRss,
    setupRss: result.setupRss,
    setupHeap: result.setupHeap,
    peakHeap: result.peakHeap,
  };
}

function timesOf(
  result: ChildResult,
  side: Side,
): { persist: Summary; acks: Summary | undefined; load: Summary } {
  const times = result.times[side];
  if (times === undefined) throw new Error(`child did not measure ${side}`);
  return {
    persist: summarize(times.persistMs),
    acks: times.acksMs.length > 0 ? summarize(times.acksMs) : undefined,
    load: summarize(times.loadMs),
  };
}

/** Measure one size: timings side by side, then memory per side. */
async function measureSize(
  entities: number,
  log: (line: string) => void,
): Promise<SizeResult> {
  const runs = RUNS[entities] ?? 3;
  log(`  ${entities} entities: runstate and floor side by side, ${runs} runs`);
  const both = await runChild(['library', 'floor'], entities, runs);
  const library = timesOf(both, 'library');
  const floor = timesOf(both, 'floor');
  log(`  ${entities} entities: peak memory, each side alone`);
  const libraryAlone = await runChild(['library'], entities, 1);
  const floorAlone = await runChild(['floor'], entities, 1);
  return {
    entities,
    persist: { library: library.persist, floor: floor.persist },
    acks: library.acks ?? summarize([NaN]),
    load: { library: library.load, floor: floor.load },
    memory: { library: memoryOf(libraryAlone), floor: memoryOf(floorAlone) },
  };
}

/** Scenarios (b)–(d) at every size in {@link SIZES}. */
export async function runPersistenceBench(
  log: (line: string) => void,
): Promise<SizeResult[]> {
  const results: SizeResult[] = [];
  for (const entities of SIZES) results.push(await measureSize(entities, log));
  return results;
}
