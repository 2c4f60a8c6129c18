/**
 * The refusals `BaseStorage`'s default quarantine, replace and restore
 * hooks throw (`E_UNSUPPORTED`) for a backend that does not override them.
 *
 * @packageDocumentation
 */
import { RunStateError } from '../errors.js';

/**
 * The default `_replaceSavepoint`'s refusal: the backend `name` cannot
 * replace a savepoint atomically.
 *
 * @internal
 */
export function cannotReplace(
  name: string,
  runId: string,
  timestamp: number,
  expectVersion: number,
): RunStateError {
  return new RunStateError(
    'E_UNSUPPORTED',
    `${name} cannot replace a savepoint atomically (no _replaceSavepoint); migrateRun needs it`,
    { details: { runId, timestamp, expectVersion } },
  );
}

/**
 * A default hook's refusal: the backend `name` does not implement `hook`.
 *
 * @internal
 */
export function notImplemented(
  name: string,
  hook: string,
  runId: string,
  details: Record<string, unknown>,
): RunStateError {
  return new RunStateError(
    'E_UNSUPPORTED',
    `${name} does not implement ${hook}`,
    { details: { runId, ...details } },
  );
}
