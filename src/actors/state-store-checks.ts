import { RunStateError } from '../errors.js';
import type { StorageAdapter } from '../storage/types.js';
import { checkId, show } from '../validate.js';

/** An `E_CLOSED` error for a call on a closed store. @internal */
export function closedError(runId: string, what: string): RunStateError {
  return new RunStateError(
    'E_CLOSED',
    `${what} on closed state store of run ${JSON.stringify(runId)}`,
    {
      details: { runId },
    },
  );
}

/** @internal */
export function checkStorage(storage: unknown): void {
  const s = storage as Partial<StorageAdapter> | null;
  if (
    typeof s?.writeSavepoint !== 'function' ||
    typeof s.readSavepoint !== 'function'
  ) {
    throw new TypeError(
      `storage must be a StorageAdapter, got ${show(storage)}`,
    );
  }
}

/** Validate `[id, initialState]` definitions; ids unique. @internal */
export function checkDefs<S>(
  defs: Iterable<readonly [string, S]>,
): (readonly [string, S])[] {
  if (defs === null || typeof defs !== 'object' || !(Symbol.iterator in defs)) {
    throw new TypeError(
      `entityDefs must be a list of [id, initialState] pairs, got ${show(defs)}`,
    );
  }
  const list = [...defs];
  const seen = new Set<string>();
  list.forEach((def, i) => {
    if (!Array.isArray(def) || def.length !== 2) {
      throw new TypeError(
        `entityDefs[${i}] must be an [id, initialState] pair, got ${show(def)}`,
      );
    }
    const id = checkId(`entityDefs[${i}][0]`, def[0]);
    if (seen.has(id))
      throw new TypeError(
        `entityDefs has entity id ${JSON.stringify(id)} twice`,
      );
    seen.add(id);
  });
  return list;
}
