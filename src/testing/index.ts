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
import { describe } from 'vitest';
import { describeCapabilities } from './capability-cases.js';
import type { StorageCapabilities, StorageFactory } from './fixture.js';
import { describeLifecycle } from './lifecycle-cases.js';
import { describeMetadata } from './metadata-cases.js';
import { describeQuarantine } from './quarantine-cases.js';
import { describeRuns } from './run-cases.js';
import { describeSavepoints } from './savepoint-cases.js';
import { describeValidation } from './validation-cases.js';

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

/** Options of {@link describeStorageAdapter}. */
export interface DescribeStorageOptions {
  /**
   * The optional capabilities the backend has; their tests run exactly when
   * declared. None by default.
   */
  readonly capabilities?: StorageCapabilities;
}

/**
 * Register the conformance suite for one backend: savepoints round-trip, the
 * newest wins, `keep`, monotonic writes, run isolation (odd and Unicode run
 * ids), listing, deleting, quarantine, corruption fallback, large
 * savepoints, `close()` semantics, argument checks and savepoint metadata
 * (version, write time, user metadata, `listSavepointInfo`); and the tests
 * of each declared capability (reopening, read-only instances, in-place
 * replacement).
 *
 * @param name - the backend, as shown in test names (`'MemoryStorage'`)
 * @param factory - creates a fresh fixture for every test
 * @param options - the backend's declared capabilities
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
  options: DescribeStorageOptions = {},
): void {
  const capabilities = checkCapabilities(options.capabilities ?? {});
  describe(name, () => {
    describeSavepoints(factory);
    describeRuns(factory);
    describeLifecycle(factory);
    describeValidation(factory);
    describeCapabilities(factory, capabilities);
    describeMetadata(factory, capabilities);
    describeQuarantine(factory, capabilities);
  });
}

const CAPABILITIES = ['reopen', 'readOnly', 'replace', 'quarantine'] as const;

/** Refuse a misspelt capability or a non-boolean flag, naming it. */
function checkCapabilities(value: StorageCapabilities): StorageCapabilities {
  for (const [key, flag] of Object.entries(value)) {
    if (!(CAPABILITIES as readonly string[]).includes(key)) {
      throw new TypeError(
        `options.capabilities.${key} is not a capability; use ${CAPABILITIES.join(', ')}`,
      );
    }
    if (typeof flag !== 'boolean') {
      throw new TypeError(
        `options.capabilities.${key} must be a boolean, got ${typeof flag}`,
      );
    }
  }
  return value;
}
