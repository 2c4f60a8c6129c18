/**
 * The export part: tagged JSON (every value the codec stores, as JSON) and
 * the export file format built on it, one savepoint per file, one entity
 * per line (`docs/export-format.md`).
 *
 * @packageDocumentation
 */
export { encodeTagged } from './tagged-encode.js';
export { decodeTagged } from './tagged-decode.js';
export type { JsonValue, TaggedValue } from './tagged-types.js';
export {
  EXPORT_FORMAT,
  EXPORT_FORMAT_VERSION,
  type ExportHeader,
} from './export-format.js';
export {
  exportSavepoint,
  readOrThrow,
  decodeEntity,
  type ExportSavepointOptions,
} from './export-savepoint.js';
export {
  importSavepoint,
  type ImportSavepointOptions,
  type ImportedSavepoint,
} from './import-savepoint.js';
export { metaOf, withMeta, type SavepointMeta } from './savepoint-meta.js';
