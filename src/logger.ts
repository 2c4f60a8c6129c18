/**
 * The logging interface runstate writes to: a structural subset of pino's
 * `Logger`, so a pino logger (or any object with these four methods) can be
 * passed as is.
 *
 * @remarks
 * Each method is called as `(bindings, message)`, pino's object-first form.
 * runstate never writes to the console; without a logger it is silent.
 */
export interface Logger {
  /** Diagnostic detail (stale saves dropped, each savepoint persisted). */
  debug(bindings: Readonly<Record<string, unknown>>, message: string): void;
  /** Lifecycle events (a run started or resumed, a schema created). */
  info(bindings: Readonly<Record<string, unknown>>, message: string): void;
  /** Something was ignored or fell back (unknown entity, corrupted savepoint). */
  warn(bindings: Readonly<Record<string, unknown>>, message: string): void;
  /** A failure that was reported rather than thrown. */
  error(bindings: Readonly<Record<string, unknown>>, message: string): void;
}

const noop = (): void => undefined;

/** A logger that discards everything: the default. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});
