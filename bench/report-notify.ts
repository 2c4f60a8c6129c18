/**
 * The savepoint notification scenario's part of docs/benchmarks.md and of
 * the summary: (h) latency of `watchSavepoints` (notify.ts).
 */
import type { NotifyResult } from './notify.js';
import { judge, type SummaryRow } from './results.js';
import { fmt, fmtInt, mdTable } from './stats.js';

/** Targets of (h), median ms: notices, and polling. */
const TARGET_MS = { notify: 50, poll: 1_000 } as const;

/** One summary row per backend of (h). */
export function notifyRows(results: readonly NotifyResult[]): SummaryRow[] {
  return results.map((r) => {
    const target = TARGET_MS[r.mode];
    return {
      scenario: `(h) savepoint notification, ${r.backend} (${r.mode})`,
      runstate: `${fmt(r.latency.min)} / ${fmt(r.latency.median)} ms`,
      floor: '–',
      ratio: '–',
      target: `median ≤ ${fmtInt(target)} ms`,
      verdict: judge(r.latency.min <= target, r.latency.median <= target),
    };
  });
}

/** The section of (h). */
export function notifySection(results: readonly NotifyResult[]): string {
  const rows = results.map((r) => [
    r.backend,
    r.mode,
    `${fmt(r.latency.min)} ms`,
    `${fmt(r.latency.median)} ms`,
    `${fmt(r.p95)} ms`,
    `${r.received} / ${r.written}`,
    `≤ ${fmtInt(TARGET_MS[r.mode])} ms`,
  ]);
  return `## (h) Savepoint notifications

One storage instance writes 200 savepoints over 8 runs (one every ~5 ms)
while another instance, with its own connections as another process has,
watches them with \`watchSavepoints\`. Latency runs from the start of
\`writeSavepoint\` to the event's arrival, so it includes the write.
Postgres announces with \`pg_notify\` inside the write transaction, Redis
with \`PUBLISH\` from the commit script; SQLite is polled every 250 ms
(the default \`pollEveryMs\`). Target: median ≤ 50 ms with notices, ≤ 1 s
by polling. Polling sees only the savepoints still live at each poll: with
\`keep: 2\` and several writes per run between two polls, the pruned ones
are never yielded (the next event says \`mayHaveMissed\`), hence fewer
events than writes for SQLite. Run it alone with \`npm run bench -- --only notify\`.

${mdTable(
  ['backend', 'mode', 'min', 'median', 'p95', 'events', 'target'],
  rows,
)}`;
}
