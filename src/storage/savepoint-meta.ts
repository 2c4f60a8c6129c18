/**
 * Savepoint metadata: checking it on write, filling in defaults, and its
 * JSON text as the backends store it.
 *
 * @packageDocumentation
 */
import { show } from '../validate.js';
import { checkSavepoint } from './check-savepoint.js';
import type {
  JsonValue,
  SavepointInfo,
  SavepointMeta,
  StoredSavepoint,
} from './types.js';

/** Most bytes of a savepoint's metadata as JSON text. @internal */
export const MAX_METADATA_BYTES = 60 * 1024;

/** Metadata with every default filled in, as a backend stores it. @internal */
export interface CompleteMeta {
  readonly version: number;
  readonly writtenAt: number;
  readonly metadata?: JsonValue;
}

/** What a savepoint read without metadata stands for. @internal */
export const DEFAULT_META: SavepointMeta = Object.freeze({ version: 0 });

/**
 * Check a state version: a non-negative safe integer.
 *
 * @throws `TypeError`/`RangeError` naming `name` and the value
 * @internal
 */
export function checkVersion(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(
      `${name} must be a non-negative integer, got ${show(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a non-negative integer, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * Check user metadata: JSON (plain objects, arrays, strings, finite
 * numbers, booleans, null) of at most {@link MAX_METADATA_BYTES}.
 *
 * @returns its JSON text
 * @throws `TypeError`/`RangeError` naming `name`
 * @internal
 */
export function checkMetadata(name: string, value: unknown): string {
  checkJson(name, value, 0);
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text, 'utf8') > MAX_METADATA_BYTES) {
    throw new RangeError(
      `${name} is ${Buffer.byteLength(text, 'utf8')} bytes as JSON; at most ${MAX_METADATA_BYTES} are stored`,
    );
  }
  return text;
}

function checkJson(path: string, value: unknown, depth: number): void {
  if (depth > 64) throw new RangeError(`${path} is nested too deeply`);
  if (value === null || typeof value === 'string') return;
  if (typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new RangeError(`${path} must be a finite number, got ${value}`);
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(`${path}[${i}]`, v, depth + 1));
    return;
  }
  const proto: unknown =
    typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    for (const [k, v] of Object.entries(value as object)) {
      checkJson(`${path}.${k}`, v, depth + 1);
    }
    return;
  }
  throw new TypeError(`${path} must be JSON, got ${show(value)}`);
}

/**
 * Check `savepoint.meta` (optional) and fill in its defaults: version 0,
 * written now.
 *
 * @throws `TypeError`/`RangeError` naming the field
 * @internal
 */
export function completeMeta(
  name: string,
  meta: unknown,
  now: number,
): CompleteMeta {
  if (meta === undefined) return { version: 0, writtenAt: now };
  if (meta === null || typeof meta !== 'object') {
    throw new TypeError(`${name} must be an object, got ${show(meta)}`);
  }
  const { version, writtenAt, metadata } = meta as Partial<SavepointMeta>;
  const complete: CompleteMeta = {
    version:
      version === undefined ? 0 : checkVersion(`${name}.version`, version),
    writtenAt:
      writtenAt === undefined
        ? now
        : checkVersion(`${name}.writtenAt`, writtenAt),
  };
  if (metadata === undefined) return complete;
  checkMetadata(`${name}.metadata`, metadata);
  return { ...complete, metadata };
}

/**
 * The metadata of a savepoint a hook receives (`BaseStorage` completed it);
 * defaults for a savepoint that bypassed it.
 *
 * @internal
 */
export function metaOf(savepoint: StoredSavepoint): CompleteMeta {
  const { meta } = savepoint;
  return {
    version: meta?.version ?? 0,
    writtenAt: meta?.writtenAt ?? Date.now(),
    ...(meta?.metadata === undefined ? {} : { metadata: meta.metadata }),
  };
}

/** The metadata's JSON text, or `null` without metadata. @internal */
export function metadataText(meta: SavepointMeta): string | null {
  return meta.metadata === undefined ? null : JSON.stringify(meta.metadata);
}

/**
 * Metadata from stored columns: `version` (0 when NULL), `writtenAt`
 * (`undefined` when NULL) and the metadata's JSON text.
 *
 * @internal
 */
export function metaFromColumns(
  version: unknown,
  writtenAt: unknown,
  metadata: string | null | undefined,
): SavepointMeta {
  return {
    version: version == null ? 0 : Number(version),
    ...(writtenAt == null ? {} : { writtenAt: Number(writtenAt) }),
    ...(metadata == null
      ? {}
      : { metadata: JSON.parse(metadata) as JsonValue }),
  };
}

/**
 * The savepoint checked, its metadata completed (version 0, written now).
 *
 * @internal
 */
export function withMeta(savepoint: StoredSavepoint): StoredSavepoint {
  const { timestamp, entries } = checkSavepoint('savepoint', savepoint);
  const meta = completeMeta('savepoint.meta', savepoint.meta, Date.now());
  return { timestamp, entries, meta };
}

/**
 * Each live savepoint's metadata, found by reading every savepoint (for a
 * backend that cannot answer without the states).
 *
 * @internal
 */
export async function listInfoByReading(
  list: () => PromiseLike<number[]> | number[],
  read: (
    timestamp: number,
  ) => PromiseLike<StoredSavepoint | undefined> | StoredSavepoint | undefined,
): Promise<SavepointInfo[]> {
  const infos: SavepointInfo[] = [];
  for (const timestamp of await list()) {
    const found = await read(timestamp);
    if (found !== undefined)
      infos.push({ ...DEFAULT_META, ...found.meta, timestamp });
  }
  return infos;
}
