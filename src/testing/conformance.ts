/**
 * The storage conformance suite (`describeStorageAdapter`): registers vitest
 * blocks, so it is loaded by `runstate/testing` only inside a vitest worker.
 */
import { describe } from 'vitest';
import { checkFunction, checkOptions, show } from '../validate.js';
import { describeCapabilities } from './capability-cases.js';
import type { StorageCapabilities, StorageFactory } from './fixture.js';
import { describeLeases } from './lease-cases.js';
import { describeLifecycle } from './lifecycle-cases.js';
import { describeMetadata } from './metadata-cases.js';
import { describeNotifications } from './notice-cases.js';
import { describeQuarantine } from './quarantine-cases.js';
import { describeRuns } from './run-cases.js';
import { describeSavepoints } from './savepoint-cases.js';
import { describeValidation } from './validation-cases.js';

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
 * replacement, listing and restoring quarantined savepoints).
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
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`name must be a non-empty string, got ${show(name)}`);
  }
  checkFunction('factory', factory);
  checkOptions('options', options);
  const capabilities = checkCapabilities(options.capabilities ?? {});
  describe(name, () => {
    describeSavepoints(factory);
    describeRuns(factory);
    describeLifecycle(factory);
    describeValidation(factory);
    describeCapabilities(factory, capabilities);
    describeLeases(factory, capabilities);
    describeNotifications(factory, capabilities);
    describeMetadata(factory, capabilities);
    describeQuarantine(factory, capabilities);
  });
}

const CAPABILITIES = [
  'reopen',
  'readOnly',
  'leases',
  'listLeases',
  'replace',
  'quarantine',
  'notifications',
] as const;

/** Refuse a misspelt capability or a non-boolean flag, naming it. */
function checkCapabilities(value: StorageCapabilities): StorageCapabilities {
  checkOptions('options.capabilities', value);
  for (const [key, flag] of Object.entries(value)) {
    if (!(CAPABILITIES as readonly string[]).includes(key)) {
      throw new TypeError(
        `options.capabilities.${key} is not a capability; use ${CAPABILITIES.join(', ')}`,
      );
    }
    if (typeof flag !== 'boolean') {
      throw new TypeError(
        `options.capabilities.${key} must be a boolean, got ${show(flag)}`,
      );
    }
  }
  if (value.listLeases === true && value.leases !== true) {
    throw new TypeError(
      'options.capabilities.listLeases needs options.capabilities.leases: true',
    );
  }
  return value;
}
