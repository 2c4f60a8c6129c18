/**
 * 06-crash-test: prove that a processor survives crashes with the crash
 * harness of `runstate/testing`. `crashTest` runs the processor script
 * (`crash-processor.ts`) once uninterrupted, then again while SIGKILLing it
 * at seeded random moments and restarting it each time, and checks that the
 * final states and the deduplicated outputs are the same. In a test suite
 * the same call goes inside an `it(…)` / `test(…)` (vitest or node:test).
 *
 * Prerequisites: `npm install`. No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/06-crash-test.ts`
 * Replay a failure: `RUNSTATE_CRASH_SEED=<seed> npx tsx …` (the seed is in
 * the error message).
 */
import { crashTest } from 'runstate/testing';

const report = await crashTest({
  script: new URL('./crash-processor.ts', import.meta.url),
  kills: 3,
});

console.log(
  `✓ ${report.kills} SIGKILLs (seed ${report.seed}): final states and ` +
    `${report.outputs} outputs equal an uninterrupted run's ` +
    `(${report.duplicates} replayed outputs deduplicated)`,
);
