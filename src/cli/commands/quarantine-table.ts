/**
 * The table of quarantined savepoints, shown by `runstate quarantine` and
 * `runstate savepoints`.
 *
 * @packageDocumentation
 */
import type { QuarantinedInfo } from '../../storage/index.js';
import { formatBytes, isoDate, table } from '../format.js';

/** Quarantined savepoints as JSON, with ISO dates beside timestamps. */
export function quarantinedJson(list: readonly QuarantinedInfo[]) {
  return list.map(({ timestamp, quarantinedAt, ...rest }) => ({
    timestamp,
    date: isoDate(timestamp),
    ...(quarantinedAt === undefined
      ? {}
      : { quarantinedAt, quarantinedDate: isoDate(quarantinedAt) }),
    ...rest,
  }));
}

/** Quarantined savepoints as a table (`-` where the backend does not know). */
export function quarantinedTable(list: readonly QuarantinedInfo[]): string {
  if (list.length === 0) return 'no quarantined savepoints\n';
  const rows = list.map((q) => [
    String(q.timestamp),
    isoDate(q.timestamp),
    q.quarantinedAt === undefined ? '-' : isoDate(q.quarantinedAt),
    q.entities === undefined ? '-' : String(q.entities),
    q.bytes === undefined ? '-' : formatBytes(q.bytes),
    String(q.version),
    q.unreadable === undefined ? '' : `unreadable: ${q.unreadable}`,
  ]);
  const header = ['TIMESTAMP', 'DATE', 'QUARANTINED', 'ENTITIES', 'BYTES'];
  return table([...header, 'VERSION', 'NOTE'], rows);
}
