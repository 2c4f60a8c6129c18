/**
 * `npm run bench`: runs every scenario side by side with its floor, prints
 * the summary table to stdout and rewrites docs/benchmarks.md.
 *
 * (a) ack.ts — `ackProcessedTime` with no save due vs. a bare compare;
 * (b)–(d) growth.ts → child.ts — persisting (persist.ts) and loading
 * (load.ts) savepoints of 1 000, 10 000 and 100 000 entities vs. msgpackr +
 * better-sqlite3 alone (floor.ts), with peak memory;
 * (e) run-throughput.ts — a supervised run of two reducer entities vs a bare
 * loop; (f) run-many.ts — memory per idle run with thousands in one process;
 * (g) backends.ts — every storage backend vs its raw floor;
 * export-memory.ts — peak memory of exporting and importing a large savepoint;
 * (h) notify.ts — savepoint notification latency (`watchSavepoints`);
 * (i) metrics-overhead.ts — otelMetrics() on vs off for (b) and (e).
 *
 * `npm run bench -- --only notify` runs (h) alone and prints it, without
 * rewriting docs/benchmarks.md (which needs every scenario); `--only
 * metrics` (`npm run bench:metrics`) does the same for (i).
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defaultCodec } from 'runstate';
import { runAckBench } from './ack.js';
import { floorPackr } from './floor.js';
import { runPersistenceBench } from './growth.js';
import { describeMachine } from './machine.js';
import { runBackendsBench } from './backends.js';
import { runExportMemoryBench } from './export-memory.js';
import { writeReport } from './report.js';
import { backendRows } from './report-backends.js';
import { runMetricsBench } from './metrics-overhead.js';
import { metricsRows } from './report-metrics.js';
import { runRows } from './report-runs.js';
import { runManyRunsBench } from './run-many.js';
import { runThroughputBench } from './run-throughput.js';
import { runNotifyBench } from './notify.js';
import { notifyRows } from './report-notify.js';
import { summaryRows, textTable, type SummaryRow } from './results.js';
import { makeState } from './state-data.js';
import { fmt } from './stats.js';

const REPORT = fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url));
const HEADER_SIZE = 8;

const log = (line: string): void => console.log(line);

/** Average blob size, and whether the floor packs the same payload bytes. */
function checkStates(): { blobBytes: number; samePayload: boolean } {
  const packr = floorPackr();
  let total = 0;
  let same = true;
  for (let i = 0; i < 1000; i++) {
    const state = makeState(i * 97, 1);
    const blob = defaultCodec.encode(state);
    total += blob.length;
    same &&= Buffer.from(packr.pack(state)).equals(
      Buffer.from(blob.subarray(HEADER_SIZE)),
    );
  }
  return { blobBytes: total / 1000, samePayload: same };
}

const SUMMARY_HEADER = [
  'scenario',
  'runstate (min / median)',
  'floor (min / median)',
  'ratio (min / median)',
  'target',
  'met',
];

function tableOf(
  rows: readonly SummaryRow[],
  header: readonly string[] = SUMMARY_HEADER,
): string {
  return textTable(
    [...header],
    rows.map((r) => [
      r.scenario,
      r.runstate,
      r.floor,
      r.ratio,
      r.target,
      r.verdict,
    ]),
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadStart = loadavg()[0] ?? 0;
  const machine = describeMachine();
  log(
    `runstate benchmarks — ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, SQLite ${machine.sqlite}`,
  );
  log(`load average at start: ${fmt(loadStart)}`);
  log('(a) ackProcessedTime vs bare compare…');
  const ack = await runAckBench();
  const states = checkStates();
  log('(b)–(d) persist and load vs msgpackr + better-sqlite3…');
  const sizes = await runPersistenceBench(log);
  log('(e) supervised run vs bare loop…');
  const throughput = await runThroughputBench(log);
  log('(f) many idle runs in one process…');
  const many = await runManyRunsBench(log);
  log('(g) every storage backend vs its raw floor…');
  const backends = await runBackendsBench(log);
  log('(i) metrics on vs off…');
  const overhead = await runMetricsBench(log);
  log('export and import of a large savepoint (peak memory)…');
  const exportMemory = runExportMemoryBench(log);
  log('(h) savepoint notifications…');
  const notify = await runNotifyBench(log);
  const rows = [
    ...summaryRows(ack, sizes),
    ...runRows(throughput, many),
    ...backendRows(backends),
    ...notifyRows(notify),
    ...metricsRows(overhead),
  ];
  const loadEnd = loadavg()[0] ?? 0;
  const durationS = (Date.now() - started) / 1000;
  log('');
  log(tableOf(rows));
  log('');
  log(`load average at end: ${fmt(loadEnd)}; took ${fmt(durationS)} s`);
  writeReport(REPORT, {
    machine,
    ack,
    sizes,
    throughput,
    many,
    backends,
    overhead,
    exportMemory,
    notify,
    rows,
    ...states,
    load: [loadStart, loadEnd],
    durationS,
  });
  log(`wrote ${REPORT}`);
}

/** `--only notify`: scenario (h) alone, printed, the report untouched. */
async function onlyNotify(): Promise<void> {
  log('(h) savepoint notifications…');
  const rows = notifyRows(await runNotifyBench(log));
  log('');
  log(tableOf(rows));
}

/** `--only metrics` (`npm run bench:metrics`): scenario (i) alone, printed. */
async function onlyMetrics(): Promise<void> {
  log(`load average at start: ${fmt(loadavg()[0] ?? 0)}`);
  const rows = metricsRows(await runMetricsBench(log));
  const header = ['with metrics', 'without', 'CPU share (wall share)'];
  log(tableOf(rows, ['scenario', ...header, 'target', 'met']));
  log(`load average at end: ${fmt(loadavg()[0] ?? 0)}`);
}

const ONLY: Record<string, () => Promise<void>> = {
  notify: onlyNotify,
  metrics: onlyMetrics,
};
const only = process.argv.indexOf('--only');
const scenario = only < 0 ? undefined : process.argv[only + 1];
if (scenario !== undefined && ONLY[scenario] === undefined) {
  throw new Error(`unknown scenario ${scenario} (only: notify, metrics)`);
}
(scenario === undefined ? main() : ONLY[scenario]!()).catch(
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
