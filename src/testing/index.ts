/**
 * `runstate/testing`: what users run in their tests.
 *
 * - {@link faultyStorage}: a storage that fails, delays, lies about commits
 *   or corrupts reads on cue, recording every call;
 * - {@link crashTest}: SIGKILLs a processor script at seeded random moments,
 *   restarts it, and compares its end with an uninterrupted run
 *   ({@link crashTestChild} is the script's side);
 * - {@link roundTrip}: a state as it would come back from storage;
 * - {@link createTestClock}: a simulated clock for `startRun` and the
 *   StateStore, so tests don't sleep;
 * - {@link describeStorageAdapter}: the storage conformance suite every
 *   backend runs.
 *
 * Everything but the conformance suite works under any test runner
 * (vitest, `node:test`, …). The suite registers vitest blocks, so vitest (an
 * optional peer dependency) is loaded only inside a vitest worker.
 *
 * @example
 * ```ts
 * import { describeStorageAdapter } from 'runstate/testing';
 * import { MyStorage } from '../src/my-storage.js';
 *
 * describeStorageAdapter('MyStorage', async () => {
 *   const url = process.env.MY_URL!;
 *   const opened = [await MyStorage.open({ url })];
 *   return {
 *     storage: opened[0],
 *     reopen: async ({ readOnly }) => {
 *       opened.push(await MyStorage.open({ url, readOnly }));
 *       return opened.at(-1)!;
 *     },
 *     cleanup: () => Promise.all(opened.map((s) => s.close())).then(() => {}),
 *   };
 * }, { capabilities: { reopen: true, readOnly: true } });
 * ```
 *
 * @packageDocumentation
 */
import type * as Conformance from './conformance.js';
import type { StorageFactory } from './fixture.js';

export type { DescribeStorageOptions } from './conformance.js';
export {
  checkPinnedSavepoints,
  expectPinnedSavepoints,
} from './pinned-savepoints.js';
export type {
  PinnedReport,
  PinnedResult,
  PinnedSavepointsOptions,
  PinnedSource,
} from './pinned-savepoints.js';
export type {
  ReopenOptions,
  StorageCapabilities,
  StorageFactory,
  StorageFixture,
} from './fixture.js';

export { faultyStorage, FaultyStorage } from './faulty-storage.js';
export type {
  FaultAction,
  FaultCall,
  FaultDecision,
  FaultPolicy,
  StorageOperation,
} from './fault-policy.js';
export { roundTrip } from './round-trip.js';
export type { RoundTripOptions } from './round-trip.js';
export { createTestClock } from './test-clock.js';
export type { TestClock } from './test-clock.js';
export { crashTest, crashTestChild, CrashTestError } from './crash/index.js';
export type {
  CrashChild,
  CrashOutput,
  CrashTestOptions,
  CrashTestReport,
} from './crash/index.js';

/** Vitest sets `VITEST` in its workers (the crash harness unsets it). */
const suite: typeof Conformance | undefined =
  process.env.VITEST === undefined
    ? undefined
    : await import('./conformance.js');

/**
 * Register the conformance suite for one backend: savepoints round-trip, the
 * newest wins, `keep`, monotonic writes, run isolation (odd and Unicode run
 * ids), listing, deleting, quarantine, corruption fallback, large
 * savepoints, `close()` semantics, argument checks and savepoint metadata
 * (version, write time, user metadata, `listSavepointInfo`); and the tests
 * of each declared capability (reopening, read-only instances, in-place
 * replacement, listing and restoring quarantined savepoints).
 *
 * @remarks
 * Call it at the top level of a vitest test file: it registers vitest
 * `describe`/`it` blocks.
 *
 * @param name - the backend, as shown in test names (`'MemoryStorage'`)
 * @param factory - creates a fresh fixture for every test
 * @param options - the backend's declared capabilities
 * @throws Error outside a vitest worker.
 * @example
 * ```ts
 * describeStorageAdapter('MyStorage', factory, {
 *   capabilities: { reopen: true, readOnly: true },
 * });
 * ```
 */
export function describeStorageAdapter(
  name: string,
  factory: StorageFactory,
  options: Conformance.DescribeStorageOptions = {},
): void {
  if (suite === undefined) {
    throw new Error(
      'describeStorageAdapter registers vitest tests: call it in a test file run by vitest',
    );
  }
  suite.describeStorageAdapter(name, factory, options);
}
