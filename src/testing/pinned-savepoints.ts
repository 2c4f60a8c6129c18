/**
 * Golden savepoints for users' CI: load pinned savepoints (captured from
 * production) through the current migration chain and fail with a
 * readable report, as Temporal's replay tests do for workflows.
 *
 * @packageDocumentation
 */
import { ensureError } from '../errors.js';
import {
  applyMigrations,
  checkMigrationChain,
  type Migrations,
} from '../migrate/index.js';
import { defaultCodec, type Codec } from '../storage/codec/index.js';
import { FileStorage } from '../storage/file/index.js';
import { DEFAULT_META, type StorageAdapter } from '../storage/index.js';
import {
  checkCodecOption,
  checkFunction,
  checkId,
  checkOptions,
  checkStorageArg,
} from '../validate.js';
import { exportFilesAt, importPinned } from './pinned-exports.js';

/**
 * Where pinned savepoints are: a path, or any storage instance (not
 * closed). A path names a directory of export files (`*.ndjson`, written
 * by `runstate export URL RUN -o DIR/RUN.ndjson`; the format of
 * `docs/export-format.md`), one such file, or else a file-storage
 * directory (opened read-only).
 */
export type PinnedSource = string | StorageAdapter;

/** Options of {@link checkPinnedSavepoints}. */
export interface PinnedSavepointsOptions {
  /** The application's current chain. */
  readonly migrations: Migrations<unknown>;
  /** The codec the savepoints were written with. @defaultValue `defaultCodec` */
  readonly codec?: Codec;
  /**
   * Checks one migrated state (throw to fail it): for example a schema
   * `parse` of the current version's shape.
   */
  readonly validate?: (state: unknown, entityId: string) => void;
}

/** One pinned savepoint's outcome. */
export interface PinnedResult {
  readonly runId: string;
  readonly timestamp: number;
  /** The version it was written at, when it could be read. */
  readonly from?: number;
  readonly to: number;
  /** Entities after migration (on success). */
  readonly entities?: number;
  /** Why it failed; absent on success. */
  readonly error?: Error;
  /** The export file it came from (export-file sources only). */
  readonly file?: string;
}

/** What {@link checkPinnedSavepoints} found. */
export interface PinnedReport {
  readonly results: readonly PinnedResult[];
  readonly failed: number;
  /** One line per savepoint, `✓`/`✗`, for a test failure message. */
  readonly text: string;
}

async function checkOne(
  storage: StorageAdapter,
  runId: string,
  timestamp: number,
  options: PinnedSavepointsOptions,
): Promise<PinnedResult> {
  const { migrations, codec = defaultCodec, validate } = options;
  const to = migrations.version;
  let from: number | undefined;
  try {
    const sp = await storage.readSavepoint(runId, timestamp);
    if (sp === undefined) throw new Error('vanished while being checked');
    from = (sp.meta ?? DEFAULT_META).version;
    const states = await applyMigrations(
      migrations,
      sp.entries.map(([id, bytes]): [string, unknown] => [
        id,
        codec.decode(bytes),
      ]),
      { runId, timestamp, version: from },
    );
    for (const [id, state] of states) {
      try {
        validate?.(state, id);
      } catch (error) {
        throw new Error(
          `entity ${JSON.stringify(id)} fails validate(): ${ensureError(error).message}`,
          { cause: error },
        );
      }
    }
    return { runId, timestamp, from, to, entities: states.length };
  } catch (error) {
    const e = ensureError(error);
    return {
      runId,
      timestamp,
      ...(from === undefined ? {} : { from }),
      to,
      error: e,
    };
  }
}

function line(r: PinnedResult): string {
  const versions = `v${r.from ?? '?'} → v${r.to}`;
  const from = r.file === undefined ? '' : `${r.file}: `;
  const head = `${from}run ${JSON.stringify(r.runId)} @ ${r.timestamp}: ${versions}`;
  if (r.error === undefined) return `✓ ${head}, ${r.entities} entities`;
  const code = (r.error as { code?: unknown }).code;
  return `✗ ${head}: ${typeof code === 'string' ? `${code} ` : ''}${r.error.message}`;
}

/**
 * Load every live savepoint of every run in `source` through the current
 * chain (and `validate`), and report each.
 *
 * @remarks
 * Never writes. Use it in a test: pin savepoints captured from production
 * in the repository (`runstate export URL RUN -o pinned-savepoints/RUN.ndjson`,
 * or a copy of a file-storage directory), and every change to the chain
 * or the state shapes is checked against them. An export file that does
 * not import (malformed, or from a newer format) is a failure naming the
 * file.
 *
 * @param source - a directory of `*.ndjson` export files, one export
 * file, a file-storage directory, or a storage
 * @param options - the chain, the codec, an optional `validate`
 * @returns every result and a printable text
 * @throws `E_STORAGE` when the source cannot be opened or listed
 * @example
 * ```ts
 * import { expectPinnedSavepoints } from 'runstate/testing';
 * it('loads production savepoints', async () => {
 *   await expectPinnedSavepoints('test/pinned', { migrations });
 * });
 * ```
 */
export async function checkPinnedSavepoints(
  source: PinnedSource,
  options: PinnedSavepointsOptions,
): Promise<PinnedReport> {
  checkPinnedArgs(source, options);
  const results: PinnedResult[] = [];
  const files =
    typeof source === 'string' ? await exportFilesAt(source) : undefined;
  if (files !== undefined) {
    for (const path of files) results.push(...(await checkFile(path, options)));
  } else {
    const owned =
      typeof source === 'string'
        ? await FileStorage.open({ directory: source, readOnly: true })
        : undefined;
    try {
      const storage = owned ?? (source as StorageAdapter);
      results.push(...(await checkAll(storage, options)));
    } finally {
      await owned?.close();
    }
  }
  const failed = results.filter((r) => r.error !== undefined).length;
  return { results, failed, text: results.map(line).join('\n') };
}

/** Check checkPinnedSavepoints' arguments (TypeError/RangeError naming them). */
function checkPinnedArgs(source: unknown, options: unknown): void {
  if (typeof source === 'string') checkId('source', source);
  else checkStorageArg('source', source);
  if (options === undefined) {
    throw new TypeError(
      'options must be an object with migrations, got undefined',
    );
  }
  checkOptions('options', options);
  const o = options as PinnedSavepointsOptions;
  checkMigrationChain('options.migrations', o.migrations);
  checkCodecOption('options.codec', o.codec);
  if (o.validate !== undefined) checkFunction('options.validate', o.validate);
}

/** Every live savepoint of every run of `storage`, checked. */
async function checkAll(
  storage: StorageAdapter,
  options: PinnedSavepointsOptions,
): Promise<PinnedResult[]> {
  const results: PinnedResult[] = [];
  for (const runId of await storage.listRuns()) {
    for (const ts of await storage.listSavepoints(runId)) {
      results.push(await checkOne(storage, runId, ts, options));
    }
  }
  return results;
}

/** One export file, imported and checked (a file that does not import fails). */
async function checkFile(
  path: string,
  options: PinnedSavepointsOptions,
): Promise<PinnedResult[]> {
  const pinned = await importPinned(path, options.codec);
  const to = options.migrations.version;
  if ('error' in pinned) {
    const { file, error } = pinned;
    return [{ runId: '?', timestamp: 0, to, error, file }];
  }
  try {
    const results = await checkAll(pinned.storage, options);
    return results.map((r) => ({ ...r, file: pinned.file }));
  } finally {
    await pinned.storage.close();
  }
}

/**
 * {@link checkPinnedSavepoints}, failing (throwing an `Error` whose message
 * is the report) when any savepoint fails, or when there is none (a wrong
 * path must not pass).
 *
 * @param source - a file-storage directory or a storage
 * @param options - the chain, the codec, an optional `validate`
 * @throws `Error` with the report
 */
export async function expectPinnedSavepoints(
  source: PinnedSource,
  options: PinnedSavepointsOptions,
): Promise<PinnedReport> {
  const report = await checkPinnedSavepoints(source, options);
  if (report.results.length === 0) {
    throw new Error(
      `no pinned savepoints found in ${typeof source === 'string' ? source : 'the storage'}`,
    );
  }
  if (report.failed > 0) {
    throw new Error(
      `${report.failed} of ${report.results.length} pinned savepoints do not load through the migrations (to v${options.migrations.version}):\n${report.text}`,
    );
  }
  return report;
}
