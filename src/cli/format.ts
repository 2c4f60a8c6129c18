/**
 * Human-readable output: aligned tables, dates, sizes, and the timestamps
 * typed on the command line.
 *
 * @packageDocumentation
 */
import { UsageError } from './io.js';

/** `1 run`, `2 runs`. */
export const count = (n: number, noun: string): string =>
  `${n} ${noun}${n === 1 ? '' : 's'}`;

/** A timestamp as an ISO date. */
export const isoDate = (timestamp: number): string =>
  new Date(timestamp).toISOString();

/** A byte count: `512 B`, `1.5 KiB`, `3.2 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Rows under a header, columns padded to their widest cell. */
export function table(header: readonly string[], rows: readonly string[][]) {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/**
 * A timestamp typed on the command line: epoch milliseconds, or an ISO date
 * (`2026-01-01T00:00:00Z`).
 *
 * @throws {@link UsageError} for anything else
 */
export function parseTimestamp(name: string, text: string): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (Number.isSafeInteger(value)) return value;
  } else if (/^\d{4}-\d\d-\d\dT/.test(text)) {
    const value = Date.parse(text);
    if (!Number.isNaN(value) && value >= 0) return value;
  }
  throw new UsageError(
    `${name} must be epoch milliseconds or an ISO date, got ${JSON.stringify(text)}`,
  );
}

/** A positive integer typed on the command line. */
export function parseCount(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(
      `${name} must be a positive integer, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}
