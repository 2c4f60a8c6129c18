/**
 * The supervised-run scenarios' part of docs/benchmarks.md and of the
 * summary: (e) throughput of a run against a bare loop (run-throughput.ts)
 * and (f) many idle runs in one process (run-many.ts).
 */
import { judge, type SummaryRow } from './results.js';
import type { ManyRunsResult } from './run-many.js';
import {
  MACHINE_MESSAGES,
  MESSAGES,
  type ThroughputResult,
} from './run-throughput.js';
import { fmt, fmtInt, fmtPercent, mdTable, type Summary } from './stats.js';

/** Target of (e): the run's throughput as a share of the floor's. */
const RUN_SHARE = 0.5;

/** Messages per second from ms per run (min → best rate, median → typical). */
const rate = (n: number, s: Summary) => ({
  best: (n * 1000) / s.min,
  typical: (n * 1000) / s.median,
});
const rates = (n: number, s: Summary): string => {
  const r = rate(n, s);
  return `${fmtInt(r.best)} / ${fmtInt(r.typical)} msg/s`;
};
const share = (t: ThroughputResult) => ({
  min: t.floor.min / t.run.min,
  median: t.floor.median / t.run.median,
});

/** One summary row per density of (e), and one for (f). */
export function runRows(
  throughput: readonly ThroughputResult[],
  many: readonly ManyRunsResult[],
): SummaryRow[] {
  const rows = throughput.map((t): SummaryRow => {
    const s = share(t);
    return {
      scenario: `(e) run, 2 reducer entities, ${fmtInt(t.density)} msg per event-s`,
      runstate: `${rates(t.messages, t.run)} (xstate entities: ${fmtInt(rate(t.machineMessages, t.machine).typical)})`,
      floor: rates(t.messages, t.floor),
      ratio: `${fmtPercent(s.min)} / ${fmtPercent(s.median)}`,
      target: `≥ ${fmtPercent(RUN_SHARE)} of floor (reducers)`,
      verdict: judge(s.min >= RUN_SHARE, s.median >= RUN_SHARE),
    };
  });
  const largest = many.at(-1);
  if (largest !== undefined) {
    rows.push({
      scenario: `(f) ${fmtInt(largest.runs)} concurrent idle runs, one storage`,
      runstate: `${fmt(largest.heapPerRun / 1024)} KiB heap per run`,
      floor: '—',
      ratio: '—',
      target: '≥ 1 000 runs in one process; memory measured',
      verdict: largest.runs >= 1_000 ? 'met' : 'NO',
    });
  }
  return rows;
}

function throughputTable(t: ThroughputResult): string {
  const s = share(t);
  return mdTable(
    ['', 'messages', 'msg/s (best / typical)', 'share of floor (min / median)'],
    [
      ['floor: bare loop', fmtInt(t.messages), rates(t.messages, t.floor), ''],
      [
        'run, reducer entities',
        fmtInt(t.messages),
        rates(t.messages, t.run),
        `${fmtPercent(s.min)} / ${fmtPercent(s.median)}`,
      ],
      [
        'run, xstate machine entities',
        fmtInt(t.machineMessages),
        rates(t.machineMessages, t.machine),
        'no target',
      ],
    ],
  );
}

function throughputSection(all: readonly ThroughputResult[]): string {
  const parts = all.map(
    (t) => `### ${fmtInt(t.density)} messages per event-second

${throughputTable(t)}

Savepoints due in one reducer run: ${fmtInt(t.due)}; persisted (median):
${fmtInt(t.persisted.median)}, the others superseded by a newer complete
one within \`persistIntervalMs\` (100 ms).`,
  );
  return `## (e) Messages per second through a supervised run

**What**: \`startRun\` of two reducer entities (a sum, and a count per key in
an array of 16), both accepting every message, with a 1 s schedule, over a
fresh file \`SqliteStorage\` (WAL, \`synchronous = FULL\`) and the run's
default \`persistIntervalMs\` (100 ms: a run that replays faster than real
time writes its newest complete savepoint at most every 100 ms and counts
the ones in between as superseded). The input is one array of
${fmtInt(MESSAGES)} pre-generated messages read through a replayable async
generator. **Timed**: from \`startRun\` until \`run.done\` resolves (the
initial load, every ack, reducer call and savepoint, and the final
persist). Both sides' final states are checked to be equal.

**Floor**: \`for await\` over the same generator, calling the same two
reducers on every message, with no persistence. **Target**: at least 50 %
of the floor's messages per second, for reducer entities. The same run with
the two entities as xstate v5 machines (an \`assign\` per message, one actor
per entity) is reported beside it on ${fmtInt(MACHINE_MESSAGES)} messages,
without a target: it pays an xstate event dispatch per message and entity.

The message density decides how often a savepoint is due: at 1 000
messages per event-second one message in 1 000 crosses a savepoint, at
10 000 one in 10 000.

${parts.join('\n\n')}`;
}

function manySection(many: readonly ManyRunsResult[]): string {
  const kib = (b: number) => fmt(b / 1024);
  return `## (f) Many runs in one process

**What**: a fresh process (\`--expose-gc\`) opens one file \`SqliteStorage\`,
collects its heap and records its memory, then starts that many concurrent
runs over it, each with its own run id, supervisor and StateStore, two
reducer entities and a 1 s schedule. Each run's input yields four messages
(0, 500, 1 000 and 1 500 ms) and then waits for more, as a live source does.
Once every run has persisted its first savepoint they are all idle; the
heap is collected again and the growth divided by the number of runs. After
a further second, the CPU the process uses over two idle seconds is
measured (idle runs set no timers and poll nothing), then every run is
stopped. No floor: the figure is the cost itself. **Target**: at least
1 000 runs in one process (issue 5); the memory per idle run is measured.

${mdTable(
  [
    'runs',
    'heap per idle run',
    'RSS per idle run',
    'start all, until each persisted once',
    'CPU while idle',
    'stop all',
  ],
  many.map((m) => [
    fmtInt(m.runs),
    `${kib(m.heapPerRun)} KiB`,
    `${kib(m.rssPerRun)} KiB`,
    `${fmtInt(m.startupMs)} ms`,
    `${fmt(m.idleCpuMsPerS)} ms/s`,
    `${fmtInt(m.stopMs)} ms`,
  ]),
)}

Start-up is bound by SQLite: every run's first savepoint is its own
transaction, committed with an fsync, on one connection.`;
}

/** Sections (e) and (f) of the report. */
export function runSections(
  throughput: readonly ThroughputResult[],
  many: readonly ManyRunsResult[],
): string {
  return `${throughputSection(throughput)}\n\n${manySection(many)}`;
}
