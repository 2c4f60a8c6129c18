/**
 * The (d) section of docs/benchmarks.md: how persisting and loading grow
 * from 1 000 to 100 000 entities (per-entity cost of runstate and floor at
 * each size), and the peak memory of each side measured alone.
 */
import type { SizeResult } from './growth.js';
import { perEntity, worstGrowth } from './results.js';
import { fmt, fmtInt, fmtMiB, fmtPercent, fmtRatio, mdTable } from './stats.js';

type Costs = ReturnType<typeof perEntity>;

function timingTable(
  sizes: readonly SizeResult[],
  persist: [Costs, Costs],
  load: [Costs, Costs],
): string {
  const pair = (c: [Costs, Costs], i: number): string =>
    `${fmt(c[0][i]?.median ?? NaN)} / ${fmt(c[1][i]?.median ?? NaN)}`;
  const rows = sizes.map((s, i) => [
    fmtInt(s.entities),
    pair(persist, i),
    fmtPercent(s.persist.floor.median / s.persist.library.median),
    pair(load, i),
    fmtRatio(s.load.library.median / s.load.floor.median),
  ]);
  return mdTable(
    [
      'entities',
      'persist µs/entity runstate / floor',
      'persist throughput vs floor',
      'load µs/entity runstate / floor',
      'load time vs floor',
    ],
    rows,
  );
}

function memoryTable(sizes: readonly SizeResult[]): string {
  const pair = (s: SizeResult, key: 'maxRss' | 'setupRss' | 'peakHeap') =>
    `${fmtMiB(s.memory.library[key])} / ${fmtMiB(s.memory.floor[key])}`;
  const rows = sizes.map((s) => [
    fmtInt(s.entities),
    pair(s, 'maxRss'),
    pair(s, 'setupRss'),
    pair(s, 'peakHeap'),
    `${fmtInt((s.memory.library.maxRss - s.memory.floor.maxRss) / s.entities)} B`,
  ]);
  return mdTable(
    [
      'entities',
      'peak RSS runstate / floor',
      'RSS after setup',
      'peak heapUsed',
      'extra peak RSS per entity',
    ],
    rows,
  );
}

const MEMORY_TEXT = `**Peak memory** is measured by running each side alone in its own process
(one warm-up run and one measured run of persist then load) and reading
\`process.resourceUsage().maxRSS\`; "after setup" is the RSS once the
entities (runstate) or the same states (floor) exist, before the first run;
peak heapUsed is the highest value sampled (every 5 ms and after each step).
Both sides hold the same live states between runs, so the last column is
what runstate costs on top: mainly the encoded blobs held by the savepoint
being assembled, the entity envelopes, and the decoded savepoint plus the new
entities while loading.`;

/** The (d) section. */
export function growthSection(sizes: readonly SizeResult[]): string {
  const persist: [Costs, Costs] = [
    perEntity(sizes, (s) => s.persist.library),
    perEntity(sizes, (s) => s.persist.floor),
  ];
  const load: [Costs, Costs] = [
    perEntity(sizes, (s) => s.load.library),
    perEntity(sizes, (s) => s.load.floor),
  ];
  const worst = (c: Costs): string => fmtRatio(worstGrowth(c).median);
  return `## (d) Growth with the number of entities

**What**: (b) and (c) at 1 000, 10 000 and 100 000 entities (100 000 × 1 KB
is about 100 MB of state). Growth is **linear** when the per-entity cost stays
roughly constant; the target is that runstate's per-entity cost grows by at
most 1.5× from one size to the next. At 1 000 entities the fixed cost of each
commit (an fsync) weighs more, so the per-entity cost there can be the
highest.

Timings are medians (the summary also gives mins), side by side in one
process per size. Worst growth of the per-entity cost from one size to the
next: persist runstate ${worst(persist[0])}, floor ${worst(persist[1])}; load
runstate ${worst(load[0])}, floor ${worst(load[1])}. Where the floor grows as
much as runstate, the growth comes from the machine (CPU caches, garbage
collection of a larger heap), not from runstate.

${timingTable(sizes, persist, load)}

${MEMORY_TEXT}

${memoryTable(sizes)}`;
}
