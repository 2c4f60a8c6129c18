/**
 * Import one savepoint from an export file: check every line strictly,
 * then write the savepoint in one atomic step.
 *
 * @packageDocumentation
 */
import { RunStateError, isRunStateError } from '../errors.js';
import {
  checkCodecOption,
  checkId,
  checkOptions,
  checkStorageArg,
  show,
} from '../validate.js';
import {
  defaultCodec,
  encodeEntityState,
  type Codec,
} from '../storage/codec/index.js';
import type { StorageAdapter, StoredEntry } from '../storage/index.js';
import {
  parseEntity,
  parseHeader,
  type ExportHeader,
} from './export-format.js';
import { invalidAt, onLine } from './invalid.js';
import { readLines, type NumberedLine } from './read-lines.js';
import { withMeta } from './savepoint-meta.js';

/** Options of {@link importSavepoint}. */
export interface ImportSavepointOptions {
  /** Import under this run id instead of the file's. */
  readonly runId?: string;
  /** The codec to encode states with. @defaultValue defaultCodec */
  readonly codec?: Codec;
}

/** What {@link importSavepoint} wrote. */
export interface ImportedSavepoint {
  /** The run written to. */
  readonly runId: string;
  /** The savepoint's timestamp. */
  readonly timestamp: number;
  /** How many entities it holds. */
  readonly entities: number;
}

/**
 * Import a savepoint from the lines of an export file
 * (`docs/export-format.md`).
 *
 * @remarks
 * Every line is checked strictly before anything is written: a bad line
 * fails with its line number and JSON path, and the storage is left as it
 * was. The savepoint is then written with one `writeSavepoint` (atomic on
 * every backend), keeping the run's other savepoints. Nothing in the file
 * is executed; a `"__proto__"` key is data (and refused by the codec as an
 * object property, like any state holding one). Memory holds the encoded
 * states, which the one atomic write needs, and never the file's text.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 *
 * await importSavepoint(storage, createReadStream('orders.ndjson'), {
 *   runId: 'orders-copy',
 * });
 * ```
 * @param storage - a writable storage
 * @param source - the file's bytes or text, in chunks (a `Readable`, an
 * array of strings…)
 * @param options - `runId`, `codec`
 * @throws `E_INVALID_IMPORT` with `details: { line, path, reason }`;
 * `E_FORMAT_VERSION` for a file of a newer format; `E_NOT_MONOTONIC` when
 * the run already has a savepoint at or after the file's timestamp
 * @see {@link exportSavepoint}
 */
export async function importSavepoint(
  storage: StorageAdapter,
  source: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: ImportSavepointOptions = {},
): Promise<ImportedSavepoint> {
  checkStorageArg('storage', storage, ['writeSavepoint']);
  checkSource(source);
  checkOptions('options', options);
  if (options.runId !== undefined) checkId('options.runId', options.runId);
  checkCodecOption('options.codec', options.codec);
  const codec = options.codec ?? defaultCodec;
  const lines = readLines(source)[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done === true) throw invalidAt('$', 'the file is empty');
  const header = atLine(first.value, parseHeader);
  const entries = await readEntries(lines, header, codec);
  const runId = options.runId ?? header.runId;
  const savepoint = withMeta(
    { timestamp: header.timestamp, entries },
    { version: header.version, metadata: header.metadata },
  );
  await storage.writeSavepoint(runId, savepoint, {
    keep: Number.MAX_SAFE_INTEGER,
  });
  return { runId, timestamp: header.timestamp, entities: entries.length };
}

/** `source` must be iterable or async iterable (of chunks). */
function checkSource(source: unknown): void {
  const s = source as Record<symbol, unknown> | null | undefined;
  if (
    s === null ||
    s === undefined ||
    (typeof s[Symbol.asyncIterator] !== 'function' &&
      typeof s[Symbol.iterator] !== 'function')
  ) {
    throw new TypeError(
      `source must be an iterable or async iterable of string or Uint8Array chunks, got ${show(source)}`,
    );
  }
}

async function readEntries(
  lines: AsyncIterator<NumberedLine>,
  header: ExportHeader,
  codec: Codec,
): Promise<StoredEntry[]> {
  const entries: StoredEntry[] = [];
  const ids = new Set<string>();
  let last = 1;
  for (let next = await lines.next(); next.done !== true;) {
    const line = next.value;
    last = line.number;
    const { id, state } = atLine(line, parseEntity);
    if (ids.has(id)) throw onLine(invalidAt('$.id', 'a repeated id'), last);
    ids.add(id);
    entries.push([id, encodeAt(codec, id, state, last)]);
    next = await lines.next();
  }
  if (entries.length !== header.entities) {
    const reason = `the header announces ${header.entities} entities, the file holds ${entries.length}`;
    throw onLine(invalidAt('$', reason), last);
  }
  return entries;
}

function atLine<T>(line: NumberedLine, parse: (json: unknown) => T): T {
  let json: unknown;
  try {
    json = JSON.parse(line.text);
  } catch (error) {
    const reason = `not JSON (${(error as Error).message})`;
    throw onLine(invalidAt('$', reason), line.number);
  }
  try {
    return parse(json);
  } catch (error) {
    if (isRunStateError(error, 'E_INVALID_IMPORT')) {
      throw onLine(error, line.number);
    }
    throw error;
  }
}

function encodeAt(
  codec: Codec,
  id: string,
  state: unknown,
  line: number,
): Uint8Array {
  try {
    return encodeEntityState(codec, id, state);
  } catch (error) {
    if (!isRunStateError(error, 'E_UNSTORABLE')) throw error;
    const { path, reason } = error.details;
    throw new RunStateError(
      'E_INVALID_IMPORT',
      `line ${line}: ${error.message}`,
      {
        cause: error,
        details: {
          line,
          path: `$.state (state path: ${String(path)})`,
          reason,
        },
      },
    );
  }
}
