/**
 * Scenario (i)'s part of docs/benchmarks.md and of the summary: the cost of
 * `otelMetrics()` on (b)'s persist and (e)'s run (metrics-overhead.ts).
 */
import type { OverheadResult } from './metrics-overhead.js';
import { judge, type SummaryRow } from './results.js';
import { fmt, fmtPercent, mdTable } from './stats.js';

/** Target: with metrics, at least this share of the throughput without. */
const SHARE = 0.97;

type Times = OverheadResult['with'];

/** Throughput with metrics as a share of the throughput without. */
const shareOf = (on: Times, off: Times) => ({
  min: off.min / on.min,
  median: off.median / on.median,
});
const share = (r: OverheadResult) => shareOf(r.withCpu, r.withoutCpu);
const wallShare = (r: OverheadResult) => shareOf(r.with, r.without);
const ms = (s: Times): string => `${fmt(s.min)} / ${fmt(s.median)} ms`;
const pct = (s: { min: number; median: number }): string =>
  `${fmtPercent(s.min)} / ${fmtPercent(s.median)}`;

/** One summary row per measured workload. */
export function metricsRows(results: readonly OverheadResult[]): SummaryRow[] {
  return results.map((r) => {
    const s = share(r);
    return {
      scenario: `(i) metrics on: ${r.what}`,
      runstate: `CPU ${ms(r.withCpu)}`,
      floor: `CPU ${ms(r.withoutCpu)} (no metrics)`,
      ratio: `${pct(s)} (wall ${pct(wallShare(r))})`,
      target: `CPU ≥ ${fmtPercent(SHARE)} of the throughput without`,
      verdict: judge(s.min >= SHARE, s.median >= SHARE),
    };
  });
}

/** The report section of (i). */
export function metricsSection(results: readonly OverheadResult[]): string {
  return `## (i) The cost of metrics

**What**: (b)'s persist of 10,000 entities × ~1 KB through a StateStore on
SQLite, and (e)'s supervised run of 1,000,000 messages (1,000 per
event-second), each with \`otelMetrics()\` on an OpenTelemetry SDK
\`MeterProvider\` whose reader exports to memory every second, side by side
with the same work without metrics. Rounds alternate which side goes first;
a warm-up round is not counted. Nothing is recorded per message, so the cost
is a few instrument calls per savepoint plus the reader's collections.

**Measured**: each sample's wall-clock time and the process's CPU time
(user + system) over the same span. The metrics cost CPU, not I/O waits; on
a shared machine the wall-clock times swing with the other processes and
with fsync far more than 3 %, so the target is judged on CPU time and the
wall-clock shares are shown beside it.

**Target**: with metrics, ≥ ${fmtPercent(SHARE)} of the throughput without
(that is, within 3 %), in CPU time.

${mdTable(
  [
    'workload',
    'CPU with metrics (min / median)',
    'CPU without',
    'CPU share (min / median)',
    'wall with / without (median)',
    'wall share (min / median)',
  ],
  results.map((r) => [
    r.what,
    ms(r.withCpu),
    ms(r.withoutCpu),
    pct(share(r)),
    `${fmt(r.with.median)} / ${fmt(r.without.median)} ms`,
    pct(wallShare(r)),
  ]),
)}`;
}
