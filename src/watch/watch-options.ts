/**
 * The options of `watchSavepoints`, their check, and the run filter they
 * describe.
 *
 * @packageDocumentation
 */
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import {
  checkId,
  checkLogger,
  checkOptions,
  checkPositiveInteger,
  show,
} from '../validate.js';

/** Options of {@link watchSavepoints}. */
export interface WatchSavepointsOptions {
  /**
   * Which runs to watch: one run id, a list of run ids, or a `RegExp`
   * matched against every run id (runs created later included).
   */
  readonly runs: string | readonly string[] | RegExp;
  /**
   * How often a storage without notices (SQLite, files, memory, an
   * adapter without `subscribeSavepoints`) is polled, in ms; a savepoint
   * is seen at most this long (plus one read) after its commit.
   *
   * @defaultValue 250
   */
  readonly pollEveryMs?: number;
  /** Ends the watch when aborted (the iteration finishes). */
  readonly signal?: AbortSignal;
  /** Where reconnections and failed polls are logged (`warn`). */
  readonly logger?: Logger;
}

/** The runs a watch covers. @internal */
export interface RunFilter {
  /** The run ids, when a fixed list was given. */
  readonly ids: readonly string[] | undefined;
  /** Whether a run id is watched. */
  readonly matches: (runId: string) => boolean;
}

/** Checked options. @internal */
export interface WatchConfig {
  readonly filter: RunFilter;
  readonly pollEveryMs: number;
  readonly signal: AbortSignal | undefined;
  readonly logger: Logger;
}

function runFilter(value: unknown): RunFilter {
  if (value instanceof RegExp) {
    // A fresh copy: a global RegExp's lastIndex would make test() flip.
    const pattern = new RegExp(value.source, value.flags.replace('g', ''));
    return { ids: undefined, matches: (id) => pattern.test(id) };
  }
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `options.runs must be a run id, a list of run ids or a RegExp, got ${show(value)}`,
    );
  }
  const ids = list.map((id, i) => checkId(`options.runs[${i}]`, id));
  const set = new Set(ids);
  return { ids: [...set], matches: (id) => set.has(id) };
}

/**
 * Check the options of `watchSavepoints`, filling in defaults.
 *
 * @throws `TypeError`/`RangeError` naming the option and the value.
 * @internal
 */
export function checkWatchOptions(value: unknown): WatchConfig {
  if (value === undefined) {
    throw new TypeError(
      "options must be an object like { runs: 'orders' }, got undefined",
    );
  }
  checkOptions('options', value);
  const o = value as WatchSavepointsOptions;
  const filter = runFilter(o.runs);
  const pollEveryMs =
    o.pollEveryMs === undefined
      ? 250
      : checkPositiveInteger('options.pollEveryMs', o.pollEveryMs);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new TypeError(
      `options.signal must be an AbortSignal, got ${show(o.signal)}`,
    );
  }
  return Object.freeze({
    filter,
    pollEveryMs,
    signal: o.signal,
    logger: checkLogger('options.logger', o.logger, silentLogger),
  });
}
