/**
 * `gc()` for benchmarks that run in the bench's own process: the exposed
 * one when node was started with `--expose-gc`, otherwise one exposed at
 * run time (V8's flag set, then `gc` read from a fresh context).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Collect the heap (a full, synchronous collection). */
export const collectGarbage: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();
