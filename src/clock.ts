/**
 * The clock runstate's timers run on: xstate's `Clock` shape
 * (`setTimeout`/`clearTimeout`) plus `now()`. Injected into the StateStore
 * (its persist interval) and `startRun` (its restart delay and restart
 * window), so tests can drive time instead of sleeping.
 *
 * @packageDocumentation
 */
import { show } from './validate.js';

/**
 * A source of time and timers: the shape of xstate's `Clock` (`system.ts`)
 * plus `now()`. xstate's `SimulatedClock` fits it, as does
 * `createTestClock()` from `runstate/testing`.
 *
 * @example
 * ```ts
 * import { SimulatedClock } from 'xstate';
 * const clock = new SimulatedClock();
 * const run = startRun({ ...options, clock });
 * clock.increment(5_000); // the persist interval and restart delays elapse
 * ```
 */
export interface Clock {
  /** Call `fn` once after `ms`; returns an id for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancel a timer set by {@link Clock.setTimeout}. */
  clearTimeout(id: unknown): void;
  /** The current time in epoch ms (or the simulated equivalent). */
  now(): number;
}

/** The real clock: the global timers and `Date.now`. */
export const systemClock: Clock = Object.freeze({
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (id: unknown): void =>
    clearTimeout(id as ReturnType<typeof setTimeout>),
  now: (): number => Date.now(),
});

/**
 * `value` when it is a {@link Clock}, {@link systemClock} when it is
 * undefined.
 *
 * @throws TypeError naming `name` when a method is missing.
 * @internal
 */
export function checkClock(name: string, value: unknown): Clock {
  if (value === undefined) return systemClock;
  const missing = ['setTimeout', 'clearTimeout', 'now'].filter(
    (m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function',
  );
  if (missing.length > 0) {
    throw new TypeError(
      `${name} must be a clock with setTimeout, clearTimeout and now; missing ${missing.join(', ')} on ${show(value)}`,
    );
  }
  return value as Clock;
}
