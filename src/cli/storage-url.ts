/**
 * Storage URLs: one string naming a store on any backend, for the
 * `runstate` command and for scripts.
 *
 * @packageDocumentation
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { RunStateError } from '../errors.js';
import type { StorageAdapter } from '../storage/index.js';
import { checkOptionalBoolean, checkOptions } from '../validate.js';

/** Options of {@link openStorageUrl}. */
export interface OpenStorageUrlOptions {
  /** Open read-only: every write is refused with `E_READ_ONLY`. @defaultValue false */
  readonly readOnly?: boolean;
  /**
   * Whether a writable open may create a missing SQLite file or directory
   * (`false`: it is `E_STORAGE`, as for a read-only open). Servers
   * (Postgres, Redis) are never created; their schema or keys are.
   *
   * @defaultValue true
   */
  readonly create?: boolean;
}

/** A storage URL taken apart (see {@link parseStorageUrl}). */
export type StorageUrl =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'file';
      readonly directory: string;
      readonly compression?: 'none' | 'gzip' | 'deflate' | 'brotli';
    }
  | {
      readonly kind: 'postgres';
      readonly connectionString: string;
      readonly schema?: string;
    }
  | { readonly kind: 'redis'; readonly url: string; readonly prefix?: string };

const COMPRESSIONS = ['none', 'gzip', 'deflate', 'brotli'] as const;

/**
 * Take a storage URL apart, without opening anything.
 *
 * @remarks
 * - `sqlite:PATH`, or a bare path ending in `.sqlite`, `.sqlite3` or `.db`
 * - `file:DIR` or `file:///abs/dir`, optionally `?compression=gzip`
 *   (`none`, `gzip`, `deflate`, `brotli`)
 * - `postgres://…` or `postgresql://…`, optionally `?schema=NAME` (other
 *   query parameters go to the driver)
 * - `redis://…` or `rediss://…`, optionally `?prefix=PREFIX` (no other
 *   parameter)
 *
 * `sqlite:` takes no parameter: `sqlite:x.db?a=1` is refused, not a file
 * named `x.db?a=1`.
 *
 * @example
 * ```ts
 * parseStorageUrl('file:state?compression=gzip');
 * // { kind: 'file', directory: 'state', compression: 'gzip' }
 * ```
 * @param url - the storage URL
 * @throws `TypeError` for a non-string; `RangeError` naming the URL for an
 * unknown scheme, an empty path or an unknown query parameter
 */
export function parseStorageUrl(url: string): StorageUrl {
  if (typeof url !== 'string') {
    throw new TypeError(`storage URL must be a string, got ${typeof url}`);
  }
  if (url.startsWith('sqlite:')) {
    const q = url.indexOf('?');
    if (q >= 0) checkParams(url, new URLSearchParams(url.slice(q + 1)), []);
    return { kind: 'sqlite', path: nonEmpty(url, url.slice(7)) };
  }
  if (url.startsWith('file:')) return parseFileUrl(url);
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { base, param } = takeParam(url, 'schema');
    return {
      kind: 'postgres',
      connectionString: base,
      ...opt('schema', param),
    };
  }
  if (/^rediss?:\/\//.test(url)) {
    const { base, param, rest } = takeParam(url, 'prefix');
    checkParams(url, rest, ['prefix']);
    return { kind: 'redis', url: base, ...opt('prefix', param) };
  }
  if (/\.(sqlite3?|db)$/.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { kind: 'sqlite', path: url };
  }
  throw new RangeError(
    `storage URL ${JSON.stringify(url)} has an unknown scheme; use sqlite:PATH, file:DIR, postgres://…, redis://… or a path ending in .sqlite or .db`,
  );
}

const opt = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };

function nonEmpty(url: string, path: string): string {
  if (path === '') {
    throw new RangeError(`storage URL ${JSON.stringify(url)} names no path`);
  }
  return path;
}

function parseFileUrl(url: string): StorageUrl {
  const q = url.indexOf('?');
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const rest = q < 0 ? url.slice(5) : url.slice(5, q);
  const directory = rest.startsWith('//')
    ? fileURLToPath(`file:${rest}`)
    : nonEmpty(url, rest);
  checkParams(url, query, ['compression']);
  const compression = query.get('compression');
  if (compression === null) return { kind: 'file', directory };
  if (!(COMPRESSIONS as readonly string[]).includes(compression)) {
    throw new RangeError(
      `storage URL ${JSON.stringify(url)}: compression must be one of ${COMPRESSIONS.join(', ')}, got ${JSON.stringify(compression)}`,
    );
  }
  return {
    kind: 'file',
    directory,
    compression: compression as (typeof COMPRESSIONS)[number],
  };
}

function checkParams(url: string, query: URLSearchParams, known: string[]) {
  for (const key of query.keys()) {
    if (!known.includes(key)) {
      throw new RangeError(
        `storage URL ${JSON.stringify(url)} has an unknown parameter ${JSON.stringify(key)} (known: ${known.length === 0 ? 'none' : known.join(', ')})`,
      );
    }
  }
}

/** Remove one query parameter from a URL, returning it. */
function takeParam(url: string, name: string) {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`storage URL ${JSON.stringify(url)} is not a URL`);
  }
  const param = parsed.searchParams.get(name) ?? undefined;
  parsed.searchParams.delete(name);
  return { base: parsed.toString(), param, rest: parsed.searchParams };
}

/**
 * Open the storage a URL names (see {@link parseStorageUrl} for the forms).
 *
 * @remarks
 * The backend's module (and its driver: `better-sqlite3`, `pg`, `redis`) is
 * loaded only when its URL is used. A read-only open, or one with
 * `create: false`, never creates anything: a missing SQLite file or
 * directory is an error. The caller
 * closes the storage (`await using` works).
 *
 * @example
 * ```ts
 * await using storage = await openStorageUrl('sqlite:state.sqlite', { readOnly: true });
 * console.log(await storage.listRuns());
 * ```
 * @param url - the storage URL
 * @param options - `readOnly`, `create`
 * @throws `RangeError`/`TypeError` for a malformed URL; `E_STORAGE` when
 * the store cannot be opened; `E_SCHEMA_VERSION` for a newer schema
 */
export async function openStorageUrl(
  url: string,
  options: OpenStorageUrlOptions = {},
): Promise<StorageAdapter> {
  checkOptions('options', options);
  const parsed = parseStorageUrl(url);
  const readOnly = checkOptionalBoolean(
    'options.readOnly',
    options.readOnly,
    false,
  );
  const create =
    !readOnly && checkOptionalBoolean('options.create', options.create, true);
  switch (parsed.kind) {
    case 'sqlite': {
      if (!create) await mustExist(parsed.path, url);
      const { SqliteStorage } = await import('../storage/sqlite/index.js');
      return SqliteStorage.open({ path: parsed.path, readOnly });
    }
    case 'file': {
      if (!create) await mustExist(parsed.directory, url);
      const { FileStorage } = await import('../storage/file/index.js');
      return FileStorage.open({
        directory: parsed.directory,
        readOnly,
        ...(parsed.compression ? { compression: parsed.compression } : {}),
      });
    }
    case 'postgres': {
      const { PostgresStorage } = await import('../storage/postgres/index.js');
      return PostgresStorage.open({
        connectionString: parsed.connectionString,
        readOnly,
        ...(parsed.schema === undefined ? {} : { schema: parsed.schema }),
      });
    }
    case 'redis': {
      const { RedisStorage } = await import('../storage/redis/index.js');
      return RedisStorage.open({
        url: parsed.url,
        readOnly,
        ...(parsed.prefix === undefined ? {} : { prefix: parsed.prefix }),
      });
    }
  }
}

async function mustExist(path: string, url: string): Promise<void> {
  try {
    await stat(path);
  } catch (error) {
    throw new RunStateError(
      'E_STORAGE',
      `storage ${JSON.stringify(url)} does not exist (${path})`,
      { cause: error, details: { url } },
    );
  }
}
