/**
 * Scenario (h): what metrics cost. Scenario (b)'s persist (10 000 × ~1 KB
 * through a StateStore on SQLite) and scenario (e)'s supervised run (two
 * reducer entities, 1 000 000 messages at 1 000 per event-second), each
 * with `otelMetrics()` on an SDK MeterProvider (an in-memory exporter
 * collecting every second, as a real exporter would) side by side with the
 * same work without metrics. Rounds alternate which side goes first.
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
const PERSIST_ROUNDS = 11;
const RUN_ROUNDS = 5;

/** Times (ms) with and without metrics. */
export interface OverheadResult {
  readonly what: string;
  readonly without: Summary;
  readonly with: Summary;
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
    return (await persistLibrary(lib, ts)).ms;
  } finally {
    await closeLibrary(lib);
    await sdk?.stop();
  }
}

async function persistOverhead(): Promise<OverheadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-bench-metrics-'));
  const samples = { with: [] as number[], without: [] as number[] };
  try {
    for (let round = 0; round <= PERSIST_ROUNDS; round++) {
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const withMetrics of order) {
        const ms = await persistSide(dir, withMetrics, round);
        if (round > 0) samples[withMetrics ? 'with' : 'without'].push(ms);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    what: `(b) persist ${ENTITIES.toLocaleString('en')} × 1 KB (${RUN_ID})`,
    without: summarize(samples.without),
    with: summarize(samples.with),
  };
}

async function runOverhead(): Promise<OverheadResult> {
  const samples = { with: [] as number[], without: [] as number[] };
  for (let round = 0; round <= RUN_ROUNDS; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const withMetrics of order) {
      const sdk = withMetrics ? sdkRecorder() : undefined;
      collectGarbage();
      const ms = await timedRun(sdk?.metrics);
      await sdk?.stop();
      if (round > 0) samples[withMetrics ? 'with' : 'without'].push(ms);
    }
  }
  return {
    what: '(e) supervised run, 1,000,000 messages',
    without: summarize(samples.without),
    with: summarize(samples.with),
  };
}

/** Scenario (h): persist and run, with and without metrics. */
export async function runMetricsBench(
  log: (line: string) => void,
): Promise<OverheadResult[]> {
  log('  persist…');
  const persist = await persistOverhead();
  log('  run…');
  const run = await runOverhead();
  return [persist, run];
}
