/**
 * `runstate/cli`: the `runstate` command as a function, and storage URLs.
 * The inspect and export functions it is built on are exported from
 * `runstate` itself.
 *
 * @packageDocumentation
 */
export { runCli } from './program.js';
export {
  openStorageUrl,
  parseStorageUrl,
  type OpenStorageUrlOptions,
  type StorageUrl,
} from './storage-url.js';
export {
  EXIT_OK,
  EXIT_FAILED,
  EXIT_USAGE,
  type CliIo,
  type TextSink,
} from './io.js';
