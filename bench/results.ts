/**
 * Turns the raw measurements into verdicts: one summary row per target
 * (a)–(d), with the ratio to the floor computed from the best runs (min) and
 * from the typical runs (median). A target is "met" when both ratios meet
 * it, "borderline" when only one of them does (machine noise decides), and
 * "NO" when neither does. Also formats the summary as a plain-text table.
 */
import type { AckResult } from './ack.js';
import type { SizeResult } from './growth.js';
import { fmt, fmtPercent, fmtRatio, type Summary } from './stats.js';

export type Verdict = 'met' | 'borderline' | 'NO';

/** One row of the summary table. */
export interface SummaryRow {
  readonly scenario: string;
  readonly runstate: string;
  readonly floor: string;
  /** Ratio from the min runs, then from the median runs. */
  readonly ratio: string;
  readonly target: string;
  readonly verdict: Verdict;
}

/** Targets, in one place. */
export const TARGETS = {
  ackRatio: 2,
  persistShare: 0.7,
  loadRatio: 1.3,
  growthFactor: 1.5,
} as const;

/** A verdict from the best-runs check and the typical-runs check. */
export function judge(bestOk: boolean, typicalOk: boolean): Verdict {
  if (bestOk && typicalOk) return 'met';
  return bestOk || typicalOk ? 'borderline' : 'NO';
}

/** runstate time / floor time, from mins and from medians. */
export function timeRatio(
  runstate: Summary,
  floor: Summary,
): { min: number; median: number } {
  return {
    min: runstate.min / floor.min,
    median: runstate.median / floor.median,
  };
}

/** States per second of a savepoint of `n` states taking `ms`. */
export function perSecond(n: number, ms: number): number {
  return (n * 1000) / ms;
}

/** Whether scenario (a)'s loop allocates: heap growth or any GC. */
export function ackAllocates(result: AckResult): boolean {
  const a = result.ackAlloc;
  return !(Math.abs(a.bytesPerCall) < 0.01) || a.gcs > 0;
}

function ackRow(a: AckResult): SummaryRow {
  const r = timeRatio(a.ack, a.compare);
  const allocFree = !ackAllocates(a);
  const ok = (x: number): boolean => x <= TARGETS.ackRatio && allocFree;
  return {
    scenario: '(a) ack, no save due',
    runstate: `${fmt(a.ack.min)} / ${fmt(a.ack.median)} ns, ${fmt(a.ackAlloc.bytesPerCall)} B/call, ${a.ackAlloc.gcs} GCs`,
    floor: `${fmt(a.compare.min)} / ${fmt(a.compare.median)} ns`,
    ratio: `${fmtRatio(r.min)} / ${fmtRatio(r.median)}`,
    target: `≤ ${TARGETS.ackRatio}×, no allocation`,
    verdict: judge(ok(r.min), ok(r.median)),
  };
}

function persistRow(s: SizeResult): SummaryRow {
  const { library, floor } = s.persist;
  const n = s.entities;
  const share = {
    min: floor.min / library.min,
    median: floor.median / library.median,
  };
  const rate = (x: Summary): string =>
    `${fmt(perSecond(n, x.min))} / ${fmt(perSecond(n, x.median))} states/s`;
  return {
    scenario: `(b) persist ${n.toLocaleString('en-US')} × 1 KB`,
    runstate: rate(library),
    floor: rate(floor),
    ratio: `${fmtPercent(share.min)} / ${fmtPercent(share.median)}`,
    target: `≥ ${fmtPercent(TARGETS.persistShare)} of floor`,
    verdict: judge(
      share.min >= TARGETS.persistShare,
      share.median >= TARGETS.persistShare,
    ),
  };
}

function loadRow(s: SizeResult): SummaryRow {
  const { library, floor } = s.load;
  const r = timeRatio(library, floor);
  return {
    scenario: `(c) load ${s.entities.toLocaleString('en-US')} × 1 KB`,
    runstate: `${fmt(library.min)} / ${fmt(library.median)} ms`,
    floor: `${fmt(floor.min)} / ${fmt(floor.median)} ms`,
    ratio: `${fmtRatio(r.min)} / ${fmtRatio(r.median)}`,
    target: `≤ ${TARGETS.loadRatio}× floor`,
    verdict: judge(r.min <= TARGETS.loadRatio, r.median <= TARGETS.loadRatio),
  };
}

/** Per-entity cost (µs) of one operation at every size, from min and median. */
export function perEntity(
  sizes: readonly SizeResult[],
  pick: (s: SizeResult) => Summary,
): { min: number; median: number }[] {
  return sizes.map((s) => ({
    min: (pick(s).min * 1000) / s.entities,
    median: (pick(s).median * 1000) / s.entities,
  }));
}

/** Largest growth of per-entity cost from one size to the next. */
export function worstGrowth(costs: { min: number; median: number }[]): {
  min: number;
  median: number;
} {
  let min = 0;
  let median = 0;
  for (let i = 1; i < costs.length; i++) {
    const [a, b] = [costs[i - 1], costs[i]] as [
      (typeof costs)[0],
      (typeof costs)[0],
    ];
    min = Math.max(min, b.min / a.min);
    median = Math.max(median, b.median / a.median);
  }
  return { min, median };
}

function growthRow(
  sizes: readonly SizeResult[],
  what: 'persist' | 'load',
): SummaryRow {
  const lib = perEntity(sizes, (s) => s[what].library);
  const flo = perEntity(sizes, (s) => s[what].floor);
  const g = worstGrowth(lib);
  const list = (c: { median: number }[]): string =>
    c.map((x) => fmt(x.median)).join(' → ') + ' µs';
  return {
    scenario: `(d) ${what} growth 1k→10k→100k`,
    runstate: list(lib),
    floor: list(flo),
    ratio: `${fmtRatio(g.min)} / ${fmtRatio(g.median)} worst step`,
    target: `linear: per-entity cost grows ≤ ${TARGETS.growthFactor}× per step`,
    verdict: judge(
      g.min <= TARGETS.growthFactor,
      g.median <= TARGETS.growthFactor,
    ),
  };
}

/** The summary rows of every scenario. */
export function summaryRows(
  ack: AckResult,
  sizes: readonly SizeResult[],
): SummaryRow[] {
  const main = sizes.find((s) => s.entities === 10_000) ?? sizes[0];
  if (main === undefined) throw new Error('no persistence results');
  return [
    ackRow(ack),
    persistRow(main),
    loadRow(main),
    growthRow(sizes, 'persist'),
    growthRow(sizes, 'load'),
  ];
}

/** A plain-text table with aligned columns. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
