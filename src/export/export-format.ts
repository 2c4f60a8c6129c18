/**
 * The lines of an export file (`docs/export-format.md`): one header line,
 * then one line per entity. Writing fixes every key's order; reading checks
 * every key strictly.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';
import { invalidAt } from './invalid.js';
import { decodeTagged } from './tagged-decode.js';
import { expectKeys } from './tagged-decode-checks.js';
import type { TaggedValue } from './tagged-types.js';

/** The `format` field of every export header. */
export const EXPORT_FORMAT = 'runstate-savepoint';

/** The export format version this library writes and reads. */
export const EXPORT_FORMAT_VERSION = 1;

/** The first line of an export file, parsed. */
export interface ExportHeader {
  /** The run the savepoint was exported from. */
  readonly runId: string;
  /** The savepoint's scheduled timestamp (epoch ms). */
  readonly timestamp: number;
  /** The savepoint's state version (0 for a savepoint written before versions). */
  readonly version: number;
  /** The savepoint's user metadata, when it has any. */
  readonly metadata?: unknown;
  /** How many entity lines follow. */
  readonly entities: number;
}

/** The header line (without its newline). */
export function headerLine(
  header: ExportHeader,
  metadata?: TaggedValue,
): string {
  return JSON.stringify({
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    runId: header.runId,
    timestamp: header.timestamp,
    date: new Date(header.timestamp).toISOString(),
    version: header.version,
    ...(metadata === undefined ? {} : { metadata }),
    entities: header.entities,
  });
}

/** One entity's line (without its newline). */
export function entityLine(id: string, state: TaggedValue): string {
  return JSON.stringify({ id, state });
}

type JsonObject = Readonly<Record<string, unknown>>;

function objectAt(json: unknown, path: string): JsonObject {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw invalidAt(path, 'must be a JSON object');
  }
  return json as JsonObject;
}

/**
 * Check and read a parsed header line.
 *
 * @throws `E_FORMAT_VERSION` for a file of a newer format;
 * `E_INVALID_IMPORT` for anything else that is not a valid header
 */
export function parseHeader(json: unknown): ExportHeader {
  const h = objectAt(json, '$');
  if (h.format !== EXPORT_FORMAT) {
    throw invalidAt('$.format', `must be ${JSON.stringify(EXPORT_FORMAT)}`);
  }
  const fv = h.formatVersion;
  if (!Number.isSafeInteger(fv) || (fv as number) < 1) {
    throw invalidAt('$.formatVersion', 'must be a positive integer');
  }
  if ((fv as number) > EXPORT_FORMAT_VERSION) {
    throw new RunStateError(
      'E_FORMAT_VERSION',
      `the export file has format version ${String(fv)}; this runstate reads version ${EXPORT_FORMAT_VERSION} (upgrade runstate)`,
      { details: { version: fv, supported: EXPORT_FORMAT_VERSION } },
    );
  }
  const hasMeta = Object.hasOwn(h, 'metadata');
  expectKeys(h, '$', [
    'format',
    'formatVersion',
    'runId',
    'timestamp',
    'date',
    'version',
    'entities',
    ...(hasMeta ? ['metadata'] : []),
  ]);
  return readHeaderFields(h, hasMeta);
}

function readHeaderFields(h: JsonObject, hasMeta: boolean): ExportHeader {
  const { runId, timestamp, version, entities, date } = h;
  if (typeof runId !== 'string' || runId === '') {
    throw invalidAt('$.runId', 'must be a non-empty string');
  }
  if (!Number.isSafeInteger(timestamp) || (timestamp as number) < 0) {
    throw invalidAt('$.timestamp', 'must be a non-negative safe integer');
  }
  if (date !== new Date(timestamp as number).toISOString()) {
    throw invalidAt('$.date', 'must be the timestamp as an ISO date');
  }
  if (!Number.isSafeInteger(version) || (version as number) < 0) {
    throw invalidAt('$.version', 'must be a non-negative integer');
  }
  if (!Number.isSafeInteger(entities) || (entities as number) < 0) {
    throw invalidAt('$.entities', 'must be a non-negative integer');
  }
  return {
    runId,
    timestamp: timestamp as number,
    version: version as number,
    ...(hasMeta ? { metadata: decodeTagged(h.metadata, '$.metadata') } : {}),
    entities: entities as number,
  };
}

/** Check and read a parsed entity line: its id and decoded state. */
export function parseEntity(json: unknown): { id: string; state: unknown } {
  const e = objectAt(json, '$');
  expectKeys(e, '$', ['id', 'state']);
  if (typeof e.id !== 'string' || e.id === '' || e.id.length > 1024) {
    throw invalidAt('$.id', 'must be a non-empty string (at most 1024)');
  }
  return { id: e.id, state: decodeTagged(e.state, '$.state') };
}
