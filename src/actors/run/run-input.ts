/**
 * A run's input as the attempt loop sees it: opening it, judging messages
 * that are not simply newer than the previous one, and positions in it.
 *
 * @packageDocumentation
 */
import { RunStateError, ensureError } from '../../errors.js';
import { show } from '../../validate.js';
import type { Position, RunProgress } from './run-progress.js';
import type { RunConfig } from './run-options.js';
import type { RunMessage } from './run-types.js';

/** A failure of the input itself, as a typed error. @internal */
export function inputFailed(error: unknown): RunStateError {
  if (error instanceof RunStateError) return error;
  const cause = ensureError(error);
  return new RunStateError(
    'E_INPUT_FAILED',
    `the run's input failed: ${cause.message}`,
    { cause },
  );
}

function invalidMessage(message: unknown, last: number | undefined) {
  const ts = (message as Partial<RunMessage> | null)?.timestamp;
  return new RunStateError(
    'E_INVALID_MESSAGE',
    `a message must have a non-negative safe integer timestamp, got ${String(ts)} (after ${String(last)})`,
    { details: { timestamp: ts, lastProcessed: last } },
  );
}

/** Move `here` past a message at `ts` (a late one counts at the newest). @internal */
export function advance(here: Position, ts: number): void {
  if (ts > here.timestamp) {
    here.timestamp = ts;
    here.count = 1;
  } else {
    here.count++;
  }
}

/** Whether position `a` is at or before position `b`. @internal */
export function notAfter(a: Position, b: Position): boolean {
  return (
    a.timestamp < b.timestamp ||
    (a.timestamp === b.timestamp && a.count <= b.count)
  );
}

/** Call the input function and check what it returned. @internal */
export function openInput(
  config: RunConfig,
  from: number,
  signal: AbortSignal,
): AsyncIterable<RunMessage> | Iterable<RunMessage> {
  let iterable: unknown;
  try {
    iterable = config.input(from, { signal });
  } catch (error) {
    throw inputFailed(error);
  }
  const it = iterable as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
  if (
    typeof it?.[Symbol.asyncIterator] !== 'function' &&
    typeof it?.[Symbol.iterator] !== 'function'
  ) {
    throw new RunStateError(
      'E_INPUT_FAILED',
      `options.input must return an AsyncIterable or an Iterable, got ${show(iterable)}`,
    );
  }
  return iterable as AsyncIterable<RunMessage>;
}

/**
 * A message that is not simply newer than the last one: invalid (throws),
 * before the resume point (skipped), or late (the lateness policy).
 *
 * @remarks
 * Only messages before the input first reaches the resume point are
 * skipped: they are the ones the savepoint already holds (an input that
 * cannot seek exactly starts early). Once a message at or after the resume
 * point was handled, an older message is late, whatever its timestamp, and
 * meets the lateness policy as it did in the run before the restart.
 *
 * @param last - the newest timestamp handled by this attempt, `undefined`
 *   while the input has not reached the resume point yet
 * @returns whether to skip the message
 * @internal
 */
export function judge(
  config: RunConfig,
  counters: RunProgress['counters'],
  message: unknown,
  last: number | undefined,
): boolean {
  const ts = (message as Partial<RunMessage> | null)?.timestamp;
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) {
    throw invalidMessage(message, last);
  }
  if (last === undefined) {
    counters.skipped++; // before the resume point: the savepoint holds it
    return true;
  }
  const policy = config.lateness;
  if (policy === 'process') return false;
  if (policy === 'drop') {
    counters.dropped++;
    config.logger.debug(
      { runId: config.runId, timestamp: ts, lastProcessed: last },
      'late message dropped',
    );
    return true;
  }
  throw new RunStateError(
    'E_OUT_OF_ORDER',
    `message at ${ts} is older than the previous one (${String(last)}); set options.lateness to 'drop' or 'process' to accept late messages`,
    {
      details: { runId: config.runId, timestamp: ts, lastProcessed: last },
    },
  );
}
