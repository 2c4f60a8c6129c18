/**
 * The StateStore handle's argument checks: entity definitions, `loadRunState`
 * options, saves refused or unstorable, and calls after `close()`. Its
 * options are checked in `state-store-config.ts`.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError } from '../../errors.js';
import { unstorableEntity, type Codec } from '../../storage/codec/index.js';
import type { StorageAdapter } from '../../storage/index.js';
import {
  checkFunction,
  checkId,
  checkTimestamp,
  show,
} from '../../validate.js';
import type { UpdateFunction } from './state-store-io.js';
import type { LoadRequest } from './state-store-load.js';
import type { LoadRunStateOptions } from './state-store-options.js';

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

/** `loadRunState`'s argument: an update function or options. @internal */
export function checkLoadOptions(
  options: UpdateFunction | LoadRunStateOptions | undefined,
): LoadRequest {
  if (options === undefined) return { update: undefined, at: undefined };
  if (typeof options === 'function') return { update: options, at: undefined };
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `options must be an update function or { update, at }, got ${show(options)}`,
    );
  }
  const { update, at } = options;
  if (update !== undefined) checkFunction('options.update', update);
  if (at !== undefined) checkTimestamp('options.at', at);
  return { update, at };
}

/**
 * Why a save must be refused: the store is closed (`E_CLOSED`) or not yet
 * initialised or loaded (`E_NOT_INITIALIZED`); undefined when it may go on.
 * @internal
 */
export function saveRefusal(
  runId: string,
  entityId: string,
  timestamp: number,
  store: { readonly ready: boolean; readonly closed: boolean },
): RunStateError | undefined {
  if (store.ready && !store.closed) return undefined;
  const what = `save of entity ${JSON.stringify(entityId)} at ${timestamp}`;
  if (store.closed) return closedError(runId, what);
  return new RunStateError(
    'E_NOT_INITIALIZED',
    `${what} before initRunState()/loadRunState()`,
    { details: { runId, entityId, timestamp } },
  );
}

/**
 * Encode a state for a save; an unstorable one is reported
 * (`E_UNSTORABLE`) and gives undefined. @internal
 */
export function encodeOrReport(
  codec: Codec,
  entityId: string,
  state: unknown,
  report: (error: RunStateError) => void,
): Uint8Array | undefined {
  try {
    // codec and id were validated by createStateStore and Entity.create.
    return codec.encode(state);
  } catch (thrown) {
    const error = unstorableEntity(thrown, entityId);
    report(
      error instanceof RunStateError
        ? error
        : new RunStateError('E_UNSTORABLE', ensureError(error).message, {
            cause: error,
            details: { entityId },
          }),
    );
    return undefined;
  }
}
