/**
 * Small statistics and formatting helpers for the benchmarks: min/median of
 * repeated runs, a high-resolution stopwatch, and number formatting for the
 * tables. No dependencies.
 */

/** Min and median of a list of samples (same unit as the samples). */
export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly runs: number;
}

/** Summarise samples; throws on an empty list (a bench that measured nothing). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, runs: sorted.length };
}

/** Divide both statistics of a summary by `divisor` (e.g. ms → ms/entity). */
export function scale(summary: Summary, divisor: number): Summary {
  return {
    min: summary.min / divisor,
    median: summary.median / divisor,
    runs: summary.runs,
  };
}

/** Milliseconds elapsed since `start` (a `process.hrtime.bigint()` value). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** `n` with `digits` significant digits, thousands separated. */
export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const decimals =
    abs === 0 ? 0 : Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return n.toLocaleString('en-US', {
    minimumFractionDigits: Math.min(decimals, 6),
    maximumFractionDigits: Math.min(decimals, 6),
  });
}

/** An integer with thousands separators. */
export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A ratio like `1.23×`. */
export function fmtRatio(r: number): string {
  return `${fmt(r, 3)}×`;
}

/** A fraction like `87 %`. */
export function fmtPercent(r: number): string {
  return `${fmt(r * 100, 3)} %`;
}

/** Bytes as MiB with one decimal. */
export function fmtMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** A Markdown table. */
export const mdTable = (header: string[], rows: string[][]): string =>
  [header, header.map(() => '---'), ...rows]
    .map((r) => `| ${r.join(' | ')} |`)
    .join('\n');
