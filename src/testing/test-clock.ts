/**
 * {@link createTestClock}: simulated time for `startRun` and the
 * StateStore, so a test advances time instead of sleeping.
 */
import { setImmediate as turn } from 'node:timers/promises';
import type { Clock } from '../clock.js';
import { show } from '../validate.js';

/** A {@link Clock} whose time moves only when a test moves it. */
export interface TestClock extends Clock {
  /**
   * Move time forward by `ms`, firing every timer that falls due, in due
   * order, each at its own due time; after each, pending promises get an
   * event-loop turn to settle (and set new timers, which fire too if they
   * fall due within `ms`).
   */
  advance(ms: number): Promise<void>;
  /** Timers set and not yet fired or cleared. */
  pending(): number;
}

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A simulated clock: pass it as `clock` to `startRun` or
 * `createStateStore`, then `await clock.advance(ms)` to let the persist
 * interval, restart delays and restart window elapse.
 *
 * @remarks
 * Real I/O still takes real time: `advance` gives settled promises a turn,
 * not a slow database. Timers set for the same due time fire in the order
 * they were set.
 *
 * @param start - the initial `now()` in epoch ms
 * @throws TypeError/RangeError when `start` is not a non-negative safe
 * integer; `advance` rejects with them likewise.
 * @example
 * ```ts
 * const clock = createTestClock();
 * const run = startRun({ ...options, restartDelayMs: 60_000, clock });
 * await clock.advance(60_000); // the restart happens now, not in a minute
 * ```
 */
export function createTestClock(start = 0): TestClock {
  let now = checkMs('start', start);
  let nextId = 1;
  const timers: Timer[] = [];
  const nextDue = (until: number): Timer | undefined => {
    let best: Timer | undefined;
    for (const timer of timers) {
      if (timer.due <= until && (best === undefined || timer.due < best.due)) {
        best = timer;
      }
    }
    return best;
  };
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number): number {
      const id = nextId++;
      timers.push({ id, due: now + Math.max(0, Number(ms) || 0), fn });
      return id;
    },
    clearTimeout(id: unknown): void {
      const index = timers.findIndex((timer) => timer.id === id);
      if (index >= 0) timers.splice(index, 1);
    },
    pending: () => timers.length,
    async advance(ms: number): Promise<void> {
      const until = now + checkMs('ms', ms);
      await turn();
      for (let timer = nextDue(until); timer; timer = nextDue(until)) {
        timers.splice(timers.indexOf(timer), 1);
        now = Math.max(now, timer.due);
        timer.fn();
        await turn();
      }
      now = until;
    },
  };
}

function checkMs(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(
      `${name} must be a number of milliseconds, got ${show(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a non-negative safe integer of milliseconds, got ${show(value)}`,
    );
  }
  return value;
}
