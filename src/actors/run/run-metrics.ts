/**
 * A run's replayed-message count, handed to its metrics recorder in batches
 * (at the loop's periodic yield and when an attempt ends), never per
 * message.
 *
 * @packageDocumentation
 */
import type { RunConfig } from './run-options.js';
import type { RunProgress } from './run-progress.js';

/**
 * A function that reports the messages `counters.replayed` gained since its
 * last call (or since it was made); a no-op without metrics.
 *
 * @internal
 */
export function replayReporter(
  config: RunConfig,
  counters: RunProgress['counters'],
): () => void {
  const { metrics, runId } = config;
  if (metrics === undefined) return () => undefined;
  let reported = counters.replayed;
  return () => {
    const count = counters.replayed - reported;
    if (count === 0) return;
    reported = counters.replayed;
    metrics.replayed(runId, count);
  };
}
