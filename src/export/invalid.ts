/**
 * The one error of a refused import: `E_INVALID_IMPORT` naming the JSON path
 * (and the line of the file, when there is one) and what is wrong there.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';

/** An `E_INVALID_IMPORT` naming the JSON path and what is wrong there. */
export function invalidAt(path: string, reason: string): RunStateError {
  return new RunStateError('E_INVALID_IMPORT', `${path}: ${reason}`, {
    details: { path, reason },
  });
}

/** The same error, placed on a line of an export file. */
export function onLine(error: RunStateError, line: number): RunStateError {
  const { path, reason } = error.details;
  return new RunStateError(
    'E_INVALID_IMPORT',
    `line ${line}: ${error.message}`,
    { details: { line, path, reason } },
  );
}

/** The JSON path of a key below `path`. */
export function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key)}]`;
}
