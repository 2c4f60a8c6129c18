/**
 * Writes docs/benchmarks.md from one run's measurements: the machine, how to
 * read the figures, the summary table with verdicts, and one section per
 * scenario explaining what was measured, against which floor, the target and
 * the result. The whole file is regenerated on every run.
 */
import type { OverheadResult } from './metrics-overhead.js';
import { metricsSection } from './report-metrics.js';
import { writeFileSync } from 'node:fs';
import type { AckResult } from './ack.js';
import type { SizeResult } from './growth.js';
import type { Machine } from './machine.js';
import { perSecond, timeRatio, type SummaryRow } from './results.js';
import { growthSection } from './report-growth.js';
import { runSections } from './report-runs.js';
import { backendSection } from './report-backends.js';
import { exportSection } from './report-export.js';
import type { ExportMemoryResult } from './export-memory.js';
import type { BackendResult } from './backends.js';
import type { NotifyResult } from './notify.js';
import { notifySection } from './report-notify.js';
import type { ManyRunsResult } from './run-many.js';
import type { ThroughputResult } from './run-throughput.js';
import {
  fmt,
  fmtInt,
  fmtPercent,
  fmtRatio,
  mdTable,
  type Summary,
} from './stats.js';

/** Everything the report needs. */
export interface ReportInput {
  readonly machine: Machine;
  readonly ack: AckResult;
  readonly sizes: readonly SizeResult[];
  readonly throughput: readonly ThroughputResult[];
  readonly many: readonly ManyRunsResult[];
  readonly backends: readonly BackendResult[];
  readonly notify: readonly NotifyResult[];
  readonly overhead: readonly OverheadResult[];
  readonly exportMemory: readonly ExportMemoryResult[];
  readonly rows: readonly SummaryRow[];
  /** Average encoded state (runstate blob, header included), bytes. */
  readonly blobBytes: number;
  /** Whether the floor's Packr output equals runstate's payload bytes. */
  readonly samePayload: boolean;
  /** 1-minute load average at start and end of the run. */
  readonly load: readonly [number, number];
  readonly durationS: number;
}

function machineSection(m: Machine, input: ReportInput): string {
  return `## Machine

${mdTable(
  ['', ''],
  [
    ['CPU', `${m.cpu}, ${m.cores} cores`],
    ['Memory', `${fmt(m.memoryGiB)} GiB`],
    ['OS', m.os],
    ['Node', `${m.node} (V8 ${m.v8})`],
    ['better-sqlite3 / SQLite', `${m.betterSqlite3} / ${m.sqlite}`],
    ['msgpackr / xstate', `${m.msgpackr} / ${m.xstate}`],
    ['Date', m.date],
    [
      'Load average (1 min) at start / end',
      input.load.map((x) => fmt(x)).join(' / '),
    ],
    ['Duration of `npm run bench`', `${fmt(input.durationS)} s`],
  ],
)}`;
}

const HOW_TO_READ = `## How to read these figures

Every scenario is measured in the same \`npm run bench\` as its **floor**: the
least work that does the same job with the same tools and without runstate.
Both are run several times, alternating, after a warm-up run that is not
counted. Each cell shows **min / median** over the runs. The **ratio** to the
floor is computed twice: from the mins (the runs least disturbed by anything
else on the machine) and from the medians (typical runs). A target is
**met** when both ratios meet it, **borderline** when only one of them does
(the machine's noise decides), and **NO** when neither does. A high load
average (other processes running) widens the gap between min and median.

The persistence scenarios (b)–(d) run in child processes started with
\`--expose-gc\`, which collect the heap before every timed step: no step pays
for the garbage left by the step before it (the collections a step causes
itself are paid inside it).`;

function summarySection(rows: readonly SummaryRow[]): string {
  return `## Summary

${mdTable(
  [
    'Scenario',
    'runstate (min / median)',
    'floor (min / median)',
    'ratio (min / median)',
    'target',
    'target met',
  ],
  rows.map((r) => [
    r.scenario,
    r.runstate,
    r.floor,
    r.ratio,
    r.target,
    r.verdict,
  ]),
)}`;
}

function ackSection(a: AckResult): string {
  const r = timeRatio(a.ack, a.compare);
  const alloc = (x: AckResult['ackAlloc']): string =>
    `${fmt(x.bytesPerCall)} B/call, ${x.gcs} GCs in ${fmtInt(x.calls)} calls`;
  return `## (a) \`entity.ackProcessedTime(ts)\` when no save is due

**What**: a stream processor calls \`ackProcessedTime\` before every message;
when the next savepoint is not reached it must cost about one comparison and
allocate nothing. The loop calls it ${fmtInt(a.calls)} times on an entity of a
real StateStore (schedule 60 000 ms, created at 0), with timestamps below
60 000 read from a 1 024-entry array; each result is compared with the entity
and counted, and the count is checked, so the JIT cannot drop the calls.

**Floor**: the same loop calling a bare \`lessThan(a, b)\` function on the
same timestamps. **Target**: within 2× of the floor, and allocation-free.

**Allocation** is measured without \`--expose-gc\`: heap growth
(\`process.memoryUsage().heapUsed\`) over GC-free windows of 10 000 calls, net
of an empty window (median of 7), and the number of garbage collections seen
by a \`PerformanceObserver\` during ${fmtInt(a.ackAlloc.calls)} calls. (Node 20's
\`v8.getHeapStatistics()\` has no \`total_allocated_bytes\`.) A loop allocating
even 16 bytes per call triggers dozens of scavenges over that many calls.

${mdTable(
  ['', 'ns/call (min / median)', 'allocation'],
  [
    [
      '`ackProcessedTime`',
      `${fmt(a.ack.min)} / ${fmt(a.ack.median)}`,
      alloc(a.ackAlloc),
    ],
    [
      'bare compare (floor)',
      `${fmt(a.compare.min)} / ${fmt(a.compare.median)}`,
      alloc(a.compareAlloc),
    ],
    ['ratio', `${fmtRatio(r.min)} / ${fmtRatio(r.median)}`, ''],
  ],
)}`;
}

function persistTable(s: SizeResult): string {
  const { library, floor } = s.persist;
  const rate = (x: number): string => fmtInt(perSecond(s.entities, x));
  const both = (f: (x: number) => string, x: Summary): string =>
    `${f(x.min)} / ${f(x.median)}`;
  return mdTable(
    ['', 'ms (min / median)', 'states/s (min / median)'],
    [
      ['runstate', both(fmt, library), both(rate, library)],
      ['… of which the ack loop', both(fmt, s.acks), ''],
      ['floor', both(fmt, floor), both(rate, floor)],
      [
        'runstate / floor throughput',
        '',
        `${fmtPercent(floor.min / library.min)} / ${fmtPercent(floor.median / library.median)}`,
      ],
    ],
  );
}

function persistSection(input: ReportInput, s: SizeResult): string {
  const n = fmtInt(s.entities);
  const same = input.samePayload ? 'byte-identical to' : 'NOT identical to';
  return `## (b) Persisting a savepoint of ${n} entities × ~1 KB

**What**: ${n} entities, each holding a realistic state (strings,
integers and floats, booleans, small arrays, a nested address object and a
list of five order records; ${fmtInt(input.blobBytes)} bytes on average once
encoded, header included). Every run builds new states that include the run
number, so no run writes the same bytes as the one before. The store is a
\`StateStore\` over a file \`SqliteStorage\` with default options (WAL,
\`synchronous = FULL\`, keep 2 savepoints). Before each run the run is
pruned to its newest savepoint, untimed, just as the floor's table is emptied
untimed: so neither side deletes rows inside the timed window, as when a run
persists its first savepoint. (In steady state each write also deletes the
savepoint two before it in the same transaction, which the storage contract
requires to be atomic; profiled on this machine on 2026-11-23 that made the
SQLite part of a 10 000-row write 58–72 ms instead of 40–44 ms.)
**Timed**: from the first \`ackProcessedTime(ts)\` (which checks, encodes and
hands each state to the store) until \`await store.flush()\` resolves, i.e. the
savepoint is committed. **Untimed**: opening the database, creating the store,
\`initRunState\`, building the run's states and \`updateState\`.

**Floor**: the same states encoded by a msgpackr \`Packr\` with the codec's
options (\`structuredClone\`, \`useBigIntExtension\`, \`mapsAsObjects: false\`,
\`copyBuffers\`; its output is ${same} runstate's payload after the 8-byte
header) and inserted in one better-sqlite3 transaction into a plain
\`(entity_id TEXT, state BLOB)\` table of a file database with the same
pragmas (WAL, \`synchronous = FULL\`). Emptying the table before each run is
untimed. **Target**: at least 70 % of the floor's throughput.

"The ack loop" is the part of runstate's time spent in the
\`ackProcessedTime\` calls: checking each state, encoding it (storability walk,
msgpack into a reserved 8-byte header with a CRC32) and handing it to the
store. The rest is the flush: filing the states into the RunState through
the xstate actor, then the SQLite transaction (insert the rows, commit with
fsync).

${persistTable(s)}`;
}

function loadSection(s: SizeResult): string {
  const { library, floor } = s.load;
  const r = timeRatio(library, floor);
  return `## (c) Loading that savepoint

**What**: a fresh \`StateStore\` over the same storage (creating it is
untimed; it does no I/O), then timed \`await store.loadRunState()\`: finding
the newest savepoint, reading its ${fmtInt(s.entities)} rows, checking the
header and CRC32 of every blob, decoding it, and building the RunState and
one \`Entity\` per state.

**Floor**: \`SELECT entity_id, state\` of every row of the floor table, and
\`Packr.unpack\` of each blob into an \`[id, state]\` list. **Target**: within
1.3× of the floor.

${mdTable(
  ['', 'ms (min / median)', 'per entity, µs (median)'],
  [
    [
      'runstate',
      `${fmt(library.min)} / ${fmt(library.median)}`,
      fmt((library.median * 1000) / s.entities),
    ],
    [
      'floor',
      `${fmt(floor.min)} / ${fmt(floor.median)}`,
      fmt((floor.median * 1000) / s.entities),
    ],
    ['ratio', `${fmtRatio(r.min)} / ${fmtRatio(r.median)}`, ''],
  ],
)}`;
}

/** Write the whole report to `path`. */
export function writeReport(path: string, input: ReportInput): void {
  const main = input.sizes.find((s) => s.entities === 10_000) ?? input.sizes[0];
  if (main === undefined) throw new Error('no persistence results');
  const parts = [
    `# Benchmarks

Generated by \`npm run bench\` (bench/run.ts); the whole file is rewritten on
every run, so do not edit it by hand. Run it on an otherwise idle machine for
stable figures.`,
    machineSection(input.machine, input),
    HOW_TO_READ,
    summarySection(input.rows),
    ackSection(input.ack),
    persistSection(input, main),
    loadSection(main),
    growthSection(input.sizes),
    runSections(input.throughput, input.many),
    backendSection(input.backends),
    notifySection(input.notify),
    metricsSection(input.overhead),
    exportSection(input.exportMemory),
  ];
  writeFileSync(path, `${parts.join('\n\n')}\n`);
}
