/**
 * What `parallel-writer.ts` writes and `parallel-writers.test.ts` expects.
 * Not a test file.
 */

/** Savepoints each writer persists. */
export const SAVEPOINTS = 50;
/**
 * The savepoint after which every writer waits for all the others (the
 * middle barrier), so that all are writing at once, by construction.
 */
export const BARRIER_AT = SAVEPOINTS / 2;
/** Savepoints kept per run. */
export const KEEP = 2;
export const SCHEDULE = 1000;
/** The run's start; savepoint k (1…SAVEPOINTS) is at START + k * SCHEDULE. */
export const START = 1_700_000_000_000;
export const ENTITY_COUNT = 20;
const PAD_LENGTH = 1024;

export interface WriterState {
  readonly runId: string;
  readonly entityId: string;
  /** Messages handled: savepoint k holds step k - 1. */
  readonly step: number;
  /** About 1 KB, specific to the run and entity. */
  readonly pad: string;
}

export function entityIds(): string[] {
  return Array.from(
    { length: ENTITY_COUNT },
    (_, i) => `entity-${String(i).padStart(2, '0')}`,
  );
}

export function expectedState(
  runId: string,
  entityId: string,
  step: number,
): WriterState {
  const unit = `${runId}/${entityId}/${step};`;
  const pad = unit.repeat(Math.ceil(PAD_LENGTH / unit.length));
  return { runId, entityId, step, pad: pad.slice(0, PAD_LENGTH) };
}
