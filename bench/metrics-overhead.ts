/**
 * Scenario (i): what metrics cost. Scenario (b)'s persist (10 000 × ~1 KB
 * through a StateStore on SQLite) and scenario (e)'s supervised run (two
 * reducer entities, 1 000 000 messages at 1 000 per event-second), each
 * with `otelMetrics()` on an SDK MeterProvider (an in-memory exporter
 * collecting every second, as a real exporter would) side by side with the
 * same work without metrics. Rounds alternate which side goes first.
 *
 * Each sample records wall-clock time and the process's CPU time (user +
 * system) over the same span. Metrics cost CPU, not I/O waits; on a loaded
 * machine the wall-clock times swing with the other processes (and with
 * fsync), while the CPU times show what the metrics themselves cost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { MetricsRecorder } from 'runstate';
import { otelMetrics } from 'runstate/otel';
import { collectGarbage } from './gc.js';
import {
  RUN_ID,
  closeLibrary,
  openLibrary,
  persistLibrary,
  prepareLibraryRun,
} from './persist.js';
import { timedRun } from './run-throughput.js';
import { summarize, type Summary } from './stats.js';

const ENTITIES = 10_000;
const PERSIST_ROUNDS = 15;
const RUN_ROUNDS = 17;

/** Times (ms) with and without metrics: wall clock, and CPU. */
export interface OverheadResult {
  readonly what: string;
  readonly without: Summary;
  readonly with: Summary;
  readonly withoutCpu: Summary;
  readonly withCpu: Summary;
}

/** Wall and CPU ms of one sample. */
interface Sample {
  readonly ms: number;
  readonly cpuMs: number;
}

/** The samples of both sides. */
class Samples {
  readonly #of = {
    with: [] as Sample[],
    without: [] as Sample[],
  };

  add(withMetrics: boolean, sample: Sample): void {
    this.#of[withMetrics ? 'with' : 'without'].push(sample);
  }

  result(what: string): OverheadResult {
    const { with: on, without: off } = this.#of;
    return {
      what,
      with: summarize(on.map((s) => s.ms)),
      without: summarize(off.map((s) => s.ms)),
      withCpu: summarize(on.map((s) => s.cpuMs)),
      withoutCpu: summarize(off.map((s) => s.cpuMs)),
    };
  }
}

/** Run `work` (which returns its wall ms), measuring CPU ms over it too. */
async function measured(work: () => Promise<number>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const ms = await work();
  const { user, system } = process.cpuUsage(cpu);
  return { ms, cpuMs: (user + system) / 1000 };
}

/** An SDK provider exporting to memory every second, and its recorder. */
function sdkRecorder(): {
  metrics: MetricsRecorder;
  stop: () => Promise<void>;
} {
  const exporter = new InMemoryMetricExporter(
    AggregationTemporality.CUMULATIVE,
  );
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 1_000,
  });
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = otelMetrics({ meter: provider.getMeter('bench') });
  return { metrics, stop: () => provider.shutdown() };
}

async function persistSide(dir: string, withMetrics: boolean, round: number) {
  const sdk = withMetrics ? sdkRecorder() : undefined;
  const sub = join(dir, `${withMetrics ? 'with' : 'without'}-${round}`);
  const extra = sdk === undefined ? {} : { metrics: sdk.metrics };
  const lib = await openLibrary(mkdtempSync(`${sub}-`), ENTITIES, extra);
  try {
    const ts = await prepareLibraryRun(lib, 1);
    collectGarbage();
    return await measured(async () => (await persistLibrary(lib, ts)).ms);
  } finally {
    await closeLibrary(lib);
    await sdk?.stop();
  }
}

async function persistOverhead(): Promise<OverheadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-bench-metrics-'));
  const samples = new Samples();
  try {
    for (let round = 0; round <= PERSIST_ROUNDS; round++) {
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const withMetrics of order) {
        const sample = await persistSide(dir, withMetrics, round);
        if (round > 0) samples.add(withMetrics, sample);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return samples.result(
    `(b) persist ${ENTITIES.toLocaleString('en')} × 1 KB (${RUN_ID})`,
  );
}

async function runOverhead(): Promise<OverheadResult> {
  const samples = new Samples();
  for (let round = 0; round <= RUN_ROUNDS; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const withMetrics of order) {
      const sdk = withMetrics ? sdkRecorder() : undefined;
      collectGarbage();
      const sample = await measured(() => timedRun(sdk?.metrics));
      await sdk?.stop();
      if (round > 0) samples.add(withMetrics, sample);
    }
  }
  return samples.result('(e) supervised run, 1,000,000 messages');
}

/** Scenario (i): persist and run, with and without metrics. */
export async function runMetricsBench(
  log: (line: string) => void,
): Promise<OverheadResult[]> {
  log('  persist…');
  const persist = await persistOverhead();
  log('  run…');
  const run = await runOverhead();
  return [persist, run];
}
