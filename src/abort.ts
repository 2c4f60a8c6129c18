import { RunStateError } from './errors.js';
import { show } from './validate.js';

/**
 * The options every long-running call accepts.
 */
export interface AbortOptions {
  /** Stops waiting when aborted: the call rejects with `E_ABORTED`. */
  readonly signal?: AbortSignal;
}

/**
 * Validate `{ signal }` options.
 *
 * @internal
 */
export function checkAbortOptions(options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const { signal } = options as { signal?: unknown };
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new TypeError(
    `options.signal must be an AbortSignal, got ${show(signal)}`,
  );
}

/**
 * Race `promise` against `signal`: when the signal aborts first, call
 * `onAbort` and reject with `E_ABORTED` (the signal's reason as `cause`).
 *
 * @internal
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  what: string,
  onAbort: () => void = () => undefined,
): Promise<T> {
  if (signal === undefined) return promise;
  const aborted = (): RunStateError => {
    onAbort();
    return new RunStateError('E_ABORTED', `${what} aborted`, {
      cause: signal.reason,
    });
  };
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const listener = (): void => reject(aborted());
    signal.addEventListener('abort', listener, { once: true });
    promise.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', listener);
    });
  });
}
