/**
 * The contract between {@link crashTest} and a processor script: the
 * environment variables the harness sets, the line the script prints when
 * it is ready to be killed, and the files it leaves. Both sides read it from
 * here, so they cannot disagree.
 *
 * @internal
 */

/** Environment variables the harness sets for every child. */
export const ENV = {
  /** `'crash'` (killed and restarted) or `'reference'` (uninterrupted). */
  mode: 'RUNSTATE_CRASH_MODE',
  /** A directory of the mode's own, kept across restarts: put storage here. */
  dir: 'RUNSTATE_CRASH_DIR',
  /** A unique name of the mode's series: a run id, schema or key prefix. */
  key: 'RUNSTATE_CRASH_KEY',
  /** The test's seed: derive the input from it (same in both modes). */
  seed: 'RUNSTATE_CRASH_SEED',
  /** 0 for the first child of a mode, then 1, 2, … after each kill. */
  attempt: 'RUNSTATE_CRASH_ATTEMPT',
  /** The file this child appends its outputs to (one per child). */
  outputs: 'RUNSTATE_CRASH_OUTPUTS',
  /** The file the final states go to when the run completes. */
  result: 'RUNSTATE_CRASH_RESULT',
} as const;

/** The stdout line a child prints once it is ready to be killed. */
export const READY_LINE = '@runstate-crash-test ready';

/** The modes a child runs in. */
export type CrashMode = 'crash' | 'reference';

/** One output line: `[entityId, timestamp, index, base64 codec bytes]`. */
export type OutputLine = [string, number, number, string];
