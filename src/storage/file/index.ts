/**
 * The file backend: a directory per run, one file per savepoint. Published
 * as the `runstate/file` subpath; it needs nothing but Node.
 *
 * @packageDocumentation
 */

export { FileStorage } from './file-storage.js';
export type { FileCompression, FileStorageOptions } from './file-options.js';
