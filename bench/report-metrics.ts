/**
 * Scenario (h)'s part of docs/benchmarks.md and of the summary: the cost of
 * `otelMetrics()` on (b)'s persist and (e)'s run (metrics-overhead.ts).
 */
import type { OverheadResult } from './metrics-overhead.js';
import { judge, type SummaryRow } from './results.js';
import { fmt, fmtPercent, mdTable } from './stats.js';

/** Target: with metrics, at least this share of the throughput without. */
const SHARE = 0.97;

const share = (r: OverheadResult) => ({
  min: r.without.min / r.with.min,
  median: r.without.median / r.with.median,
});
const ms = (s: OverheadResult['with']): string =>
  `${fmt(s.min)} / ${fmt(s.median)} ms`;

/** One summary row per measured workload. */
export function metricsRows(results: readonly OverheadResult[]): SummaryRow[] {
  return results.map((r) => {
    const s = share(r);
    return {
      scenario: `(h) metrics on: ${r.what}`,
      runstate: ms(r.with),
      floor: `${ms(r.without)} (no metrics)`,
      ratio: `${fmtPercent(s.min)} / ${fmtPercent(s.median)}`,
      target: `≥ ${fmtPercent(SHARE)} of the throughput without`,
      verdict: judge(s.min >= SHARE, s.median >= SHARE),
    };
  });
}

/** The report section of (h). */
export function metricsSection(results: readonly OverheadResult[]): string {
  return `## (h) The cost of metrics

**What**: (b)'s persist of 10,000 entities × ~1 KB through a StateStore on
SQLite, and (e)'s supervised run of 1,000,000 messages (1,000 per
event-second), each with \`otelMetrics()\` on an OpenTelemetry SDK
\`MeterProvider\` whose reader exports to memory every second, side by side
with the same work without metrics. Rounds alternate which side goes first;
a warm-up round is not counted. Nothing is recorded per message, so the cost
is a few instrument calls per savepoint plus the reader's collections.

**Target**: with metrics, ≥ ${fmtPercent(SHARE)} of the throughput without
(that is, within 3 %).

${mdTable(
  [
    'workload',
    'with metrics (min / median)',
    'without (min / median)',
    'share (min / median)',
  ],
  results.map((r) => {
    const s = share(r);
    return [
      r.what,
      ms(r.with),
      ms(r.without),
      `${fmtPercent(s.min)} / ${fmtPercent(s.median)}`,
    ];
  }),
)}`;
}
