/**
 * Scenario (a): the cost of `entity.ackProcessedTime(ts)` when no savepoint
 * is due, against its floor, a bare function comparing two numbers. Both run
 * in the same loop shape (same number of calls, timestamps read from the same
 * array, every result consumed into a counter that is checked), alternated
 * run by run. Allocation is measured without `--expose-gc`: heap growth over
 * short windows, and the number of garbage collections (observed through
 * `PerformanceObserver` 'gc' entries) over a long loop.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryStorage, createStateStore, type Entity } from 'runstate';
import { msSince, summarize, type Summary } from './stats.js';

/** Calls per timed run. */
const CALLS = 20_000_000;
/** Timed runs per side. */
const RUNS = 15;
/** Calls in the long allocation loop. */
const ALLOC_CALLS = 10_000_000;
/** Calls in one short heap-growth window. */
const WINDOW_CALLS = 10_000;
const SCHEDULE = 60_000;
/** Acked timestamps, all before the first savepoint (60 000). */
const MASK = 1023;
const TIMESTAMPS: number[] = Array.from({ length: MASK + 1 }, (_, i) => i * 58);

/** Allocation measured for one loop. */
export interface Allocation {
  /** Median heap growth per call over short GC-free windows (bytes). */
  readonly bytesPerCall: number;
  /** Garbage collections observed during {@link ALLOC_CALLS} calls. */
  readonly gcs: number;
  readonly calls: number;
}

/** Result of scenario (a). */
export interface AckResult {
  readonly calls: number;
  /** ns per call. */
  readonly ack: Summary;
  readonly compare: Summary;
  readonly ackAlloc: Allocation;
  readonly compareAlloc: Allocation;
}

function lessThan(a: number, b: number): boolean {
  return a < b;
}

/** The floor: the same loop around a bare comparison. */
function compareLoop(next: number, n: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    if (lessThan(TIMESTAMPS[i & MASK] as number, next)) hits++;
  }
  return hits;
}

/** The measured loop: an ack that finds no save due returns the same entity. */
function ackLoop(entity: Entity<unknown>, n: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    if (entity.ackProcessedTime(TIMESTAMPS[i & MASK] as number) === entity) {
      hits++;
    }
  }
  return hits;
}

/** Run `loop(n)`, check every call took the no-save path, return ns/call. */
function timeLoop(loop: (n: number) => number, n: number): number {
  const start = process.hrtime.bigint();
  const hits = loop(n);
  const ms = msSince(start);
  if (hits !== n) throw new Error(`expected ${n} no-save calls, got ${hits}`);
  return (ms * 1e6) / n;
}

/** GC start times, as seen by a PerformanceObserver. */
function observeGc(): { times: number[]; stop: () => void } {
  const times: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) times.push(entry.startTime);
  });
  observer.observe({ entryTypes: ['gc'] });
  return { times, stop: () => observer.disconnect() };
}

/** Heap growth of one window, and whether a GC ran inside it. */
async function heapWindow(
  loop: (n: number) => number,
  n: number,
  gcTimes: readonly number[],
): Promise<{ bytes: number; gcs: number }> {
  const t0 = performance.now();
  const h0 = process.memoryUsage().heapUsed;
  loop(n);
  const h1 = process.memoryUsage().heapUsed;
  const t1 = performance.now();
  await sleep(20); // GC entries are delivered asynchronously
  const gcs = gcTimes.filter((t) => t >= t0 && t <= t1).length;
  return { bytes: h1 - h0, gcs };
}

/** Per-call heap growth over GC-free windows, net of an empty window. */
async function measureAllocation(
  loop: (n: number) => number,
): Promise<Allocation> {
  const gc = observeGc();
  try {
    const perCall: number[] = [];
    for (let attempt = 0; attempt < 40 && perCall.length < 7; attempt++) {
      const empty = await heapWindow(loop, 0, gc.times);
      const full = await heapWindow(loop, WINDOW_CALLS, gc.times);
      if (empty.gcs + full.gcs === 0) {
        perCall.push((full.bytes - empty.bytes) / WINDOW_CALLS);
      }
    }
    const long = await heapWindow(loop, ALLOC_CALLS, gc.times);
    const bytesPerCall = perCall.length === 0 ? NaN : summarize(perCall).median;
    return { bytesPerCall, gcs: long.gcs, calls: ALLOC_CALLS };
  } finally {
    gc.stop();
  }
}

/** An entity of a real StateStore, created at 0: its next savepoint is 60 000. */
async function makeEntity(): Promise<Entity<unknown>> {
  const store = createStateStore({
    runId: 'bench-ack',
    schedule: SCHEDULE,
    storage: new MemoryStorage(),
  });
  const [entity] = await store.initRunState<unknown>(0, [
    ['counter', { count: 0 }],
  ]);
  if (entity === undefined) throw new Error('no entity created');
  return entity;
}

/** Scenario (a): time and allocation of a no-save ack vs. a bare compare. */
export async function runAckBench(): Promise<AckResult> {
  const entity = await makeEntity();
  const next = entity.nextSavepoint as number;
  const ack = (n: number): number => ackLoop(entity, n);
  const compare = (n: number): number => compareLoop(next, n);
  for (let i = 0; i < 3; i++) {
    timeLoop(ack, CALLS);
    timeLoop(compare, CALLS);
  }
  const ackNs: number[] = [];
  const compareNs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    ackNs.push(timeLoop(ack, CALLS));
    compareNs.push(timeLoop(compare, CALLS));
  }
  return {
    calls: CALLS,
    ack: summarize(ackNs),
    compare: summarize(compareNs),
    ackAlloc: await measureAllocation(ack),
    compareAlloc: await measureAllocation(compare),
  };
}
