/**
 * Decorating a storage: wrap any {@link StorageAdapter} to add logging,
 * fault injection or metrics around some of its methods, forwarding all
 * the others unchanged.
 *
 * @packageDocumentation
 */
import { show } from '../validate.js';
import type { MaybePromise } from './base-storage-options.js';
import type { StorageAdapter } from './types.js';

/**
 * The name of a {@link StorageAdapter} method that {@link decorateStorage}
 * lets you wrap: every method except `[Symbol.asyncDispose]`, which always
 * runs the decorated `close`.
 */
export type StorageMethodName = {
  [K in keyof StorageAdapter]-?: K extends symbol
    ? never
    : NonNullable<StorageAdapter[K]> extends (...args: never[]) => unknown
      ? K
      : never;
}[keyof StorageAdapter];

/** The signature of one {@link StorageAdapter} method. */
type Method<K extends StorageMethodName> = NonNullable<StorageAdapter[K]>;

/**
 * A wrapper of one storage method: receives `next` (the decorated
 * storage's own method, bound to it) and the call's arguments, and returns
 * what the method returns (or a promise of it). Call `next` to go on, skip
 * it to answer yourself, or throw to fail the call.
 */
export type StorageHook<K extends StorageMethodName> = (
  next: Method<K>,
  ...args: Parameters<Method<K>>
) => MaybePromise<Awaited<ReturnType<Method<K>>>>;

/** One call seen by {@link StorageHooks.around}. */
export interface StorageCall {
  /** The method called. */
  readonly method: StorageMethodName;
  /** Its arguments, as the caller gave them. */
  readonly args: readonly unknown[];
}

/**
 * What {@link decorateStorage} wraps: a hook per method, and `around`,
 * which wraps every call (for metrics, tracing, spies).
 */
export type StorageHooks = {
  readonly [K in StorageMethodName]?: StorageHook<K>;
} & {
  /**
   * Wraps every method call, outside the method's own hook: `next()` runs
   * the hook (or the storage's method) with the call's arguments.
   */
  readonly around?: (
    call: StorageCall,
    next: () => Promise<unknown>,
  ) => MaybePromise<unknown>;
};

/**
 * Every method of the contract, and whether a storage must have it. The
 * mapped type makes this list complete: adding a method to
 * `StorageAdapter` fails to compile until it is listed here.
 */
const METHODS: {
  readonly [K in StorageMethodName]-?: undefined extends StorageAdapter[K]
    ? 'optional'
    : 'required';
} = {
  isInitialized: 'required',
  initRun: 'required',
  writeSavepoint: 'required',
  replaceSavepoint: 'optional',
  readSavepoint: 'required',
  newestTimestamp: 'required',
  listSavepoints: 'required',
  listSavepointInfo: 'optional',
  prune: 'required',
  quarantineSavepoint: 'required',
  listQuarantined: 'optional',
  restoreSavepoint: 'optional',
  deleteRun: 'required',
  listRuns: 'required',
  close: 'required',
};

const NAMES = Object.keys(METHODS) as StorageMethodName[];

type AnyMethod = (...args: unknown[]) => Promise<unknown>;
type AnyHook = (next: AnyMethod, ...args: unknown[]) => unknown;

function checkArguments(inner: unknown, hooks: unknown): void {
  const s = inner as Record<string, unknown> | null;
  const missing = NAMES.filter(
    (name) => METHODS[name] === 'required' && typeof s?.[name] !== 'function',
  );
  if (s === null || typeof s !== 'object' || missing.length > 0) {
    throw new TypeError(
      `inner must be a StorageAdapter (missing ${missing.join(', ') || 'everything'}), got ${show(inner)}`,
    );
  }
  if (hooks === null || typeof hooks !== 'object') {
    throw new TypeError(
      `hooks must be an object of method hooks, got ${show(hooks)}`,
    );
  }
  for (const [key, hook] of Object.entries(hooks)) {
    if (key !== 'around' && !(key in METHODS)) {
      throw new TypeError(
        `hooks.${key} is not a StorageAdapter method (one of ${NAMES.join(', ')}, or around)`,
      );
    }
    if (hook !== undefined && typeof hook !== 'function') {
      throw new TypeError(`hooks.${key} must be a function, got ${show(hook)}`);
    }
  }
}

/** The decorated method `name`: `around`, then the hook, then `inner`. */
function wrap(
  inner: StorageAdapter,
  hooks: StorageHooks,
  name: StorageMethodName,
): AnyMethod {
  // Looked up at each call, so a method replaced on `inner` later is used.
  const method: AnyMethod = (...args) =>
    (inner[name] as AnyMethod).apply(inner, args);
  const hook = hooks[name] as AnyHook | undefined;
  const own: AnyMethod =
    hook === undefined
      ? method
      : async (...args) => await hook(method, ...args);
  const around = hooks.around;
  if (around === undefined) return async (...args) => own(...args);
  return async (...args) =>
    await around({ method: name, args }, () => own(...args));
}

/**
 * Wrap a storage, replacing some of its methods with hooks and forwarding
 * everything else: logging, fault injection or metrics in a few lines.
 *
 * @remarks
 * The result is a new object that implements every method of
 * {@link StorageAdapter}: a method with a hook calls it with `next` (the
 * inner method, bound to `inner`) and the arguments; every other method
 * forwards to `inner` unchanged. An optional method of the contract is
 * present exactly when `inner` has it, so feature checks
 * (`typeof storage.x === 'function'`) see through the decorator. `around`
 * wraps every call, outside the method's own hook. `readOnly` reads
 * `inner.readOnly`. `[Symbol.asyncDispose]` runs the decorated `close`
 * (its hook included), and closing the decorated storage closes `inner`
 * unless a `close` hook skips `next`.
 *
 * Every method returns a promise: a hook that throws synchronously rejects
 * the call. The decorator adds no state of its own: argument checks, the
 * monotonic rule and `E_CLOSED` after `close()` come from `inner`. A hook
 * may return a different value (a fault injector may throw or resolve
 * `undefined`); the storage guarantees then hold only as far as the hook
 * keeps them.
 *
 * @param inner - the storage to wrap; it is not copied
 * @param hooks - a hook per method to wrap, and optionally `around`
 * @returns the decorated storage
 * @throws `TypeError` when `inner` lacks a required method, `hooks` is not
 * an object, a hook is not a function, or a key names no method (a typo
 * would otherwise wrap nothing).
 * @example
 * ```ts
 * const logged = decorateStorage(await SqliteStorage.open({ path }), {
 *   writeSavepoint: async (next, runId, savepoint, options) => {
 *     const started = performance.now();
 *     await next(runId, savepoint, options);
 *     logger.info({ runId, ms: performance.now() - started }, 'written');
 *   },
 * });
 * ```
 * @see {@link StorageHooks}
 */
export function decorateStorage<S extends StorageAdapter>(
  inner: S,
  hooks: StorageHooks,
): Pick<S, keyof StorageAdapter> {
  checkArguments(inner, hooks);
  const decorated: Record<string | symbol, unknown> = {};
  Object.defineProperty(decorated, 'readOnly', {
    enumerable: true,
    get: () => inner.readOnly,
  });
  for (const name of NAMES) {
    if (typeof inner[name] !== 'function') continue; // an absent option
    decorated[name] = wrap(inner, hooks, name);
  }
  const close = decorated.close as () => Promise<void>;
  decorated[Symbol.asyncDispose] = () => close();
  return decorated as unknown as Pick<S, keyof StorageAdapter>;
}
