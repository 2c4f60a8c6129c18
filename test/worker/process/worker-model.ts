/**
 * The runs the worker process tests share: `RUNS` runs of `MESSAGES`
 * messages each, deterministic per run, folded into `{ n, sum }`, then a
 * sentinel at `END` that completes the savepoint holding the whole fold.
 */

/** A message of a run. */
export interface Msg {
  readonly timestamp: number;
  readonly value: number;
  readonly end?: true;
}

/** The fold of every run. */
export interface Fold {
  readonly n: number;
  readonly sum: number;
}

export const RUNS = 200;
export const MESSAGES = 80;
/** Event time between messages; a savepoint every 20 messages. */
export const STEP = 100;
export const SCHEDULE = 2_000;
/** The savepoint after the last message: it holds the whole fold. */
export const END = MESSAGES * STEP;

export const runIds = (): string[] =>
  Array.from({ length: RUNS }, (_, i) => `run-${String(i).padStart(3, '0')}`);

/** Run `runId`'s messages (then the sentinel). */
export function messagesOf(runId: string): Msg[] {
  const seed = Number(runId.slice(4));
  const messages: Msg[] = Array.from({ length: MESSAGES }, (_, k) => ({
    timestamp: k * STEP,
    value: ((seed + 1) * (k + 3) * 7919) % 1009,
  }));
  messages.push({ timestamp: END, value: 0, end: true });
  return messages;
}

export const initial: Fold = { n: 0, sum: 0 };

/** The reducer. */
export function reduce(state: Fold, m: Msg): Fold {
  return m.end === true ? state : { n: state.n + 1, sum: state.sum + m.value };
}

/** What an uninterrupted fold of the run gives. */
export const expectedFold = (runId: string): Fold =>
  messagesOf(runId).reduce(reduce, initial);
