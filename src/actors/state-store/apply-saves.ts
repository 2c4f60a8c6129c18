import { saveToRunState } from '../../schedule/index.js';
import type { SaveItem, StoreContext } from './state-store-types.js';

/**
 * File a batch of saves into the RunState; queue what completes and log what
 * was ignored. Returns the context fields that changed.
 *
 * @internal
 */
export function applySaves(
  context: StoreContext,
  batch: readonly SaveItem[],
): Partial<StoreContext> {
  const { runState, io } = context;
  if (runState === undefined) return {};
  let { stale, unknown, discarded, superseded } = context.counters;
  let queue = context.queue;
  for (const { id, timestamp, from, bytes } of batch) {
    const result = saveToRunState(runState, id, timestamp, bytes, from);
    if (result.outcome === 'unknown') {
      unknown++;
      io.logger.warn(
        { runId: io.runId, entityId: id, timestamp },
        'ignored save from an entity not registered in the run',
      );
    } else if (result.outcome === 'stale') {
      stale++;
      io.logger.debug(
        { runId: io.runId, entityId: id, timestamp },
        'dropped stale save',
      );
    }
    if (result.discarded !== undefined) {
      discarded += result.discarded.count;
      io.logger.warn(
        { runId: io.runId, ...result.discarded },
        'discarded open savepoints beyond maxOpenSavepoints',
      );
    }
    if (result.complete !== undefined) {
      if (queue === context.queue) queue = [...queue];
      const kept = context.writing ? 1 : 0;
      if (io.persistIntervalMs > 0 && queue.length > kept) {
        superseded += queue.splice(kept).length; // the newest wins
      }
      queue.push(result.complete);
    }
  }
  const { counters } = context;
  const changed =
    stale !== counters.stale ||
    unknown !== counters.unknown ||
    discarded !== counters.discarded ||
    superseded !== counters.superseded;
  return {
    queue,
    counters: changed
      ? { ...counters, stale, unknown, discarded, superseded }
      : counters,
  };
}
