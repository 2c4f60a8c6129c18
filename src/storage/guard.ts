/**
 * The checks every backend method starts with: not closed, writable when it
 * writes, and a valid run id. Shared so every backend words them alike.
 *
 * @internal
 */
import { RunStateError } from '../errors.js';
import { checkId } from '../validate.js';

/**
 * Throw `E_CLOSED` when the backend is closed.
 *
 * @internal
 */
export function assertOpen(backend: string, closed: boolean): void {
  if (closed) throw new RunStateError('E_CLOSED', `${backend} is closed`);
}

/**
 * Check open, writable when `writeOperation` is given, and `runId`.
 *
 * @throws `E_CLOSED`, `E_READ_ONLY`; `TypeError`/`RangeError` for `runId`
 * @internal
 */
export function guardCall(
  backend: string,
  state: { readonly closed: boolean; readonly readOnly: boolean },
  runId: unknown,
  writeOperation?: string,
): void {
  assertOpen(backend, state.closed);
  if (writeOperation !== undefined && state.readOnly) {
    throw new RunStateError(
      'E_READ_ONLY',
      `${backend} was opened read-only; ${writeOperation}() needs readOnly: false`,
      { details: { operation: writeOperation } },
    );
  }
  checkId('runId', runId);
}
