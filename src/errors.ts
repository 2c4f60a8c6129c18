/**
 * Stable string codes carried by every {@link RunStateError}.
 *
 * @remarks
 * Callers branch on `code`, never on the message. Every code is documented in
 * `docs/api.md`.
 *
 * - `E_CLOSED`: the store or storage was closed; no further calls are accepted.
 * - `E_NO_SAVEPOINT`: the run has no persisted savepoint to load.
 * - `E_CORRUPTED`: stored bytes cannot be decoded (every savepoint, when
 *   raised by a load).
 * - `E_FORMAT_VERSION`: a blob was written by a newer, unknown codec format.
 * - `E_SCHEMA_VERSION`: a database schema this library cannot use: newer than
 *   it knows, unreadable, or older on a read-only open (no upgrade possible).
 * - `E_UNSTORABLE`: a state holds a value the codec cannot store faithfully.
 * - `E_NOT_MONOTONIC`: a savepoint is not newer than the newest persisted one.
 * - `E_NOT_INITIALIZED`: a save arrived before `initRunState`/`loadRunState`.
 * - `E_INVALID_STATE`: a call does not fit the store's lifecycle (for example
 *   `initRunState` twice, or on a run that has savepoints); also reported if
 *   the store's actor itself fails.
 * - `E_STORAGE`: the storage backend failed; the driver error is the `cause`.
 * - `E_READ_ONLY`: a write was attempted on a storage opened read-only.
 * - `E_UPDATE_FAILED`: the `update` function given to `loadRunState` threw or
 *   returned something that is not a list of `[id, state]` pairs.
 * - `E_TRANSFORM_FAILED`: an entity's save transform threw.
 * - `E_ABORTED`: the operation was aborted through its `AbortSignal`.
 * - `E_ENTITY_FAILED`: an entity of a supervised run threw while handling a
 *   message (its reducer, or its machine actor failed); the thrown error is
 *   the `cause`. The run restarts from its newest savepoint.
 * - `E_INPUT_FAILED`: a supervised run's `input` threw, or its iterator
 *   failed; the run restarts.
 * - `E_OUTPUT_FAILED`: a supervised run's output sink threw; the run
 *   restarts.
 * - `E_INVALID_MESSAGE`: the input yielded a message without a valid
 *   timestamp; the run stops (replaying would yield it again).
 * - `E_OUT_OF_ORDER`: the input yielded a message older than the previous
 *   one, and the lateness policy is `'reject'`; the run stops.
 * - `E_RESTART_LIMIT`: a supervised run failed more than `maxRestarts` times
 *   within `withinMs`; the last failure is the `cause`.
 * - `E_LOCKED`: another live process holds the run's write lock (file
 *   storage), or this writer's lock was taken over, so its write is refused.
 * - `E_INVALID_IMPORT`: an export file (or tagged JSON) given to
 *   `importSavepoint`/`decodeTagged` is not exactly the documented format;
 *   `details: { path, reason }` and, for a file, `line`. Nothing was written.
 * - `E_VERSION_NEWER`: a savepoint was written by a newer state version than
 *   the code loading it (`details.found`, `details.current`); it is never
 *   loaded silently.
 * - `E_MIGRATION_FAILED`: a migration step threw or returned a bad result,
 *   or no chain leads from the savepoint's version to the current one
 *   (`details.step`, `details.entityId` when known; the thrown error is the
 *   `cause`).
 * - `E_UNSUPPORTED`: the storage adapter lacks an optional operation the
 *   call needs (for example `replaceSavepoint` for `migrateRun`).
 */
export type ErrorCode =
  | 'E_CLOSED'
  | 'E_NO_SAVEPOINT'
  | 'E_CORRUPTED'
  | 'E_FORMAT_VERSION'
  | 'E_SCHEMA_VERSION'
  | 'E_UNSTORABLE'
  | 'E_NOT_MONOTONIC'
  | 'E_NOT_INITIALIZED'
  | 'E_INVALID_STATE'
  | 'E_STORAGE'
  | 'E_READ_ONLY'
  | 'E_UPDATE_FAILED'
  | 'E_TRANSFORM_FAILED'
  | 'E_ABORTED'
  | 'E_ENTITY_FAILED'
  | 'E_INPUT_FAILED'
  | 'E_OUTPUT_FAILED'
  | 'E_INVALID_MESSAGE'
  | 'E_OUT_OF_ORDER'
  | 'E_RESTART_LIMIT'
  | 'E_LOCKED'
  | 'E_INVALID_IMPORT'
  | 'E_VERSION_NEWER'
  | 'E_MIGRATION_FAILED'
  | 'E_UNSUPPORTED';

/** Options of a {@link RunStateError}. */
export interface RunStateErrorOptions {
  /** The underlying error (a driver error keeps its own `code`). */
  readonly cause?: unknown;
  /** Structured facts about the failure (run id, timestamp, entity id…). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error class of runstate: a stable string `code`, an optional
 * `cause` and optional structured `details`.
 *
 * @example
 * ```ts
 * try {
 *   await store.loadRunState();
 * } catch (error) {
 *   if (error instanceof RunStateError && error.code === 'E_NO_SAVEPOINT') {
 *     // start fresh
 *   }
 * }
 * ```
 */
export class RunStateError extends Error {
  override readonly name = 'RunStateError';
  /** Stable, documented code; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** Structured facts about the failure, for logs and programmatic checks. */
  readonly details: Readonly<Record<string, unknown>>;

  /**
   * @param code - the stable error code
   * @param message - a human-readable explanation naming the values involved
   * @param options - `cause` and `details`
   */
  constructor(
    code: ErrorCode,
    message: string,
    options?: RunStateErrorOptions,
  ) {
    super(
      message,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.details = Object.freeze({ ...options?.details });
  }
}

/**
 * Whether `error` is a {@link RunStateError}, optionally with the given code.
 *
 * @param error - any caught value
 * @param code - the code to match; any code when omitted
 */
export function isRunStateError(
  error: unknown,
  code?: ErrorCode,
): error is RunStateError {
  return (
    error instanceof RunStateError &&
    (code === undefined || error.code === code)
  );
}

/**
 * Turn any thrown value into an `Error` (a thrown string or object becomes the
 * message of a new `Error`, kept as its `cause`).
 *
 * @param value - whatever was thrown
 */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) return value;
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return new Error(`non-error thrown: ${text}`, { cause: value });
}

/**
 * Wrap a backend failure as `E_STORAGE`, unless it already is a
 * {@link RunStateError}.
 *
 * @param error - the caught driver error
 * @param operation - what was being done, for the message
 * @param details - run id, timestamp…
 */
export function storageError(
  error: unknown,
  operation: string,
  details?: Readonly<Record<string, unknown>>,
): RunStateError {
  if (error instanceof RunStateError) return error;
  const cause = ensureError(error);
  return new RunStateError(
    'E_STORAGE',
    `${operation} failed: ${cause.message}`,
    {
      cause,
      ...(details === undefined ? {} : { details }),
    },
  );
}

/**
 * The `E_NOT_MONOTONIC` error a backend throws when a savepoint is not newer
 * than the run's newest live one. Every built-in backend words it alike; a
 * custom adapter should use it too.
 *
 * @param runId - the run written to
 * @param timestamp - the refused savepoint's timestamp
 * @param newest - the run's newest live savepoint's timestamp
 * @example
 * ```ts
 * if (newest !== undefined && newest >= savepoint.timestamp) {
 *   throw notMonotonicError(runId, savepoint.timestamp, newest);
 * }
 * ```
 */
export function notMonotonicError(
  runId: string,
  timestamp: number,
  newest: number,
): RunStateError {
  return new RunStateError(
    'E_NOT_MONOTONIC',
    `savepoint ${timestamp} of run ${JSON.stringify(runId)} is not newer than the newest persisted one (${newest})`,
    { details: { runId, timestamp, newest } },
  );
}

/**
 * The error of `restoreSavepoint` when no savepoint of the run is
 * quarantined at `timestamp` (`E_NO_SAVEPOINT`).
 *
 * @param runId - the run
 * @param timestamp - the timestamp asked for
 * @returns the error to throw
 * @example
 * ```ts
 * if (found === undefined) throw notQuarantinedError(runId, timestamp);
 * ```
 */
export function notQuarantinedError(
  runId: string,
  timestamp: number,
): RunStateError {
  return new RunStateError(
    'E_NO_SAVEPOINT',
    `run ${JSON.stringify(runId)} has no quarantined savepoint at ${timestamp}`,
    { details: { runId, timestamp, quarantined: true } },
  );
}
