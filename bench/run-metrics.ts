/**
 * `npm run bench:metrics`: scenario (i) alone (metrics on vs off for (b)'s
 * persist and (e)'s run), printed to stdout; docs/benchmarks.md is left
 * alone (the full `npm run bench` rewrites it).
 */
import { loadavg } from 'node:os';
import { runMetricsBench } from './metrics-overhead.js';
import { metricsRows } from './report-metrics.js';
import { textTable } from './results.js';
import { fmt } from './stats.js';

const log = (line: string): void => console.log(line);

async function main(): Promise<void> {
  log(`load average at start: ${fmt(loadavg()[0] ?? 0)}`);
  const rows = metricsRows(await runMetricsBench(log));
  log(
    textTable(
      [
        'scenario',
        'with metrics',
        'without',
        'CPU share (wall share)',
        'target',
        'met',
      ],
      rows.map((r) => [
        r.scenario,
        r.runstate,
        r.floor,
        r.ratio,
        r.target,
        r.verdict,
      ]),
    ),
  );
  log(`load average at end: ${fmt(loadavg()[0] ?? 0)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
