/**
 * The storage conformance suite: every {@link StorageAdapter} backend runs it
 * (`describeStorage('SqliteStorage (file)', factory)`), so all backends give
 * the same guarantees.
 */
import { describe } from 'vitest';
import type { StorageFactory } from './suite/fixture.js';
import { describeLifecycle } from './suite/lifecycle.js';
import { describeRuns } from './suite/runs.js';
import { describeSavepoints } from './suite/savepoints.js';
import { describeValidation } from './suite/validation.js';

export type { StorageFactory, StorageFixture } from './suite/fixture.js';

/**
 * Register the conformance suite for one backend.
 *
 * @param name - the backend, as shown in test names (`'MemoryStorage'`)
 * @param factory - creates a fresh fixture for every test
 */
export function describeStorage(name: string, factory: StorageFactory): void {
  describe(name, () => {
    describeSavepoints(factory);
    describeRuns(factory);
    describeLifecycle(factory);
    describeValidation(factory);
  });
}
