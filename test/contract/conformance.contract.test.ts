/**
 * Contract probes: the `leases` and `listLeases` capabilities of the
 * conformance suite (`describeStorageAdapter` from `runstate/testing`), as
 * docs/api.md and docs/storage-adapters.md section 5 describe them: run
 * exactly when declared, listed as skipped with the reason when not, and
 * refused when declared wrongly.
 */
import { beforeAll, describe, expect, it, type RunnerTestSuite } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { describeStorageAdapter } from '../../src/testing/index.js';

const factory = () =>
  Promise.resolve({
    storage: new MemoryStorage(),
    cleanup: () => Promise.resolve(),
  });

/** Every suite and test name under `suite`, as `a > b > c`. */
function names(suite: RunnerTestSuite, prefix = ''): string[] {
  return suite.tasks.flatMap((task) => {
    const name = `${prefix}${task.name}`;
    return task.type === 'suite'
      ? [name, ...names(task, `${name} > `)]
      : [`${name} [${task.mode}]`];
  });
}

let registered: string[] = [];
// vitest requires a destructuring first argument; the suite is the second.
// eslint-disable-next-line no-empty-pattern
beforeAll(({}, suite) => {
  registered = names(suite);
});

// Collected, not run: the probes below read what was registered.
describe.skip('registered', () => {
  describeStorageAdapter('undeclared', factory);
  describeStorageAdapter('declared', factory, {
    capabilities: { leases: true, listLeases: true },
  });
});

describe('conformance capability leases', () => {
  it('is listed as skipped, with the reason in its title, when not declared', () => {
    const leaseSuites = registered.filter((n) =>
      n.startsWith('registered > undeclared > capability leases'),
    );
    expect(leaseSuites[0]).toBe(
      'registered > undeclared > capability leases (skipped: the backend does not declare it)',
    );
    expect(leaseSuites.some((n) => n.includes('E_LOCKED'))).toBe(true);
  });

  it('registers the lease and listLeases cases when declared', () => {
    const cases = registered.filter((n) =>
      n.startsWith('registered > declared > capability leases > '),
    );
    expect(cases.some((n) => /E_FENCED|fences/.test(n))).toBe(true);
    expect(cases.some((n) => n.includes('lists the live leases'))).toBe(true);
  });

  it.each([
    [{ listLeases: true }, /listLeases.*leases/],
    [{ leases: 'yes' }, /capabilities\.leases.*boolean/],
    [{ lease: true }, /capabilities\.lease is not a capability/],
  ])('refuses %j with a TypeError when registered', (capabilities, message) => {
    const register = () =>
      describeStorageAdapter('bad', factory, {
        capabilities: capabilities as never,
      });
    expect(register).toThrow(TypeError);
    expect(register).toThrow(message);
  });
});
