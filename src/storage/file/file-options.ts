/**
 * Options of the file backend and their validation.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import type { Logger } from '../../logger.js';
import { checkLogger, show } from '../../validate.js';

/** How a savepoint file's body is compressed (all with node:zlib). */
export type FileCompression = 'none' | 'gzip' | 'deflate' | 'brotli';

const COMPRESSIONS: readonly FileCompression[] = [
  'none',
  'gzip',
  'deflate',
  'brotli',
];

/** Options of {@link FileStorage.open}. */
export interface FileStorageOptions {
  /**
   * The root directory: one subdirectory per run. A writable open creates
   * it (with its parents) when missing; a read-only open never does, and a
   * missing directory reads as empty.
   */
  readonly directory: string;
  /**
   * Refuse every write with `E_READ_ONLY`. A read-only storage takes no
   * locks and never creates, changes or deletes a file.
   *
   * @defaultValue false
   */
  readonly readOnly?: boolean;
  /**
   * How new savepoint files are compressed: `'gzip'` and `'deflate'` (zlib
   * format) at zlib's default level 6, `'brotli'` at quality 4. Reading
   * accepts files of every compression, whatever this option says, so it
   * can be changed at any time.
   *
   * @defaultValue 'none'
   */
  readonly compression?: FileCompression;
  /**
   * Call `fsync` on each new file and on its directory before a write
   * resolves. `false` is faster but trades durability: a process crash
   * still loses nothing, yet a power loss or OS crash may lose the newest
   * savepoints (or leave them empty, reported as `E_CORRUPTED` and skipped
   * by loads).
   *
   * @defaultValue true
   */
  readonly fsync?: boolean;
  /** Receives debug messages and warnings (a stale lock taken over…). */
  readonly logger?: Logger;
}

/** The validated options, with defaults filled in. @internal */
export interface FileConfig {
  /** The root directory, resolved to an absolute path. */
  readonly directory: string;
  readonly readOnly: boolean;
  readonly compression: FileCompression;
  readonly fsync: boolean;
  readonly logger: Logger | undefined;
}

function checkBoolean(name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(
      `options.${name} must be a boolean, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * Validate {@link FileStorageOptions}.
 *
 * @throws `TypeError` or `RangeError` naming the option and the fix.
 * @internal
 */
export function checkFileOptions(options: unknown): FileConfig {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `FileStorage.open() options must be an object like { directory: 'state' }, got ${show(options)}`,
    );
  }
  const o = options as Partial<FileStorageOptions>;
  const { directory, compression = 'none', logger } = o;
  if (typeof directory !== 'string' || directory.length === 0) {
    throw new TypeError(
      `options.directory must be a non-empty directory path, got ${show(directory)}`,
    );
  }
  if (directory.includes('\0')) {
    throw new TypeError(
      `options.directory must not contain a NUL character, got ${show(directory)}`,
    );
  }
  if (!COMPRESSIONS.includes(compression)) {
    throw new RangeError(
      `options.compression must be one of ${COMPRESSIONS.map((c) => `'${c}'`).join(', ')}, got ${show(compression)}`,
    );
  }
  return {
    directory: resolve(directory),
    readOnly: checkBoolean('readOnly', o.readOnly) ?? false,
    compression,
    fsync: checkBoolean('fsync', o.fsync) ?? true,
    logger: checkLogger('options.logger', logger, undefined),
  };
}
