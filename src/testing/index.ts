/**
 * `runstate/testing`: the storage conformance suite. Every backend runs it,
 * the built-in ones and any adapter you write, so all give the same
 * guarantees. It registers vitest `describe`/`it` blocks, so call it at the
 * top level of a vitest test file (vitest is an optional peer dependency,
 * needed only here).
 *
 * @example
 * ```ts
 * import { describeStorageAdapter } from 'runstate/testing';
 * import { MyStorage } from '../src/my-storage.js';
 *
 * describeStorageAdapter('MyStorage', async () => {
 *   const storage = await MyStorage.open({ url: process.env.MY_URL! });
 *   return { storage, cleanup: () => storage.close() };
 * });
 * ```
 *
 * @packageDocumentation
 */
import { describe } from 'vitest';
import type { StorageFactory } from './fixture.js';
import { describeLifecycle } from './lifecycle-cases.js';
import { describeRuns } from './run-cases.js';
import { describeSavepoints } from './savepoint-cases.js';
import { describeValidation } from './validation-cases.js';

export type { StorageFactory, StorageFixture } from './fixture.js';

/**
 * Register the conformance suite for one backend: savepoints round-trip, the
 * newest wins, `keep`, monotonic writes, run isolation (odd and Unicode run
 * ids), listing, deleting, quarantine, corruption fallback, large
 * savepoints, reopening, `close()` semantics and argument checks.
 *
 * @param name - the backend, as shown in test names (`'MemoryStorage'`)
 * @param factory - creates a fresh fixture for every test
 */
export function describeStorageAdapter(
  name: string,
  factory: StorageFactory,
): void {
  describe(name, () => {
    describeSavepoints(factory);
    describeRuns(factory);
    describeLifecycle(factory);
    describeValidation(factory);
  });
}
