/**
 * Conformance: closing.
 */
import { describe, expect, it } from 'vitest';
import type { StorageAdapter } from '../storage/index.js';
import { savepoint, useFixture, type StorageFactory } from './fixture.js';

/** One call of every method, with valid arguments (`writes` marks writes). */
export const CALLS: [string, (s: StorageAdapter) => Promise<unknown>][] = [
  ['isInitialized', (s) => s.isInitialized('r')],
  ['initRun', (s) => s.initRun('r')],
  ['writeSavepoint', (s) => s.writeSavepoint('r', savepoint(9), { keep: 1 })],
  ['readSavepoint', (s) => s.readSavepoint('r')],
  ['readSavepoint at a timestamp', (s) => s.readSavepoint('r', 1)],
  ['newestTimestamp', (s) => s.newestTimestamp('r')],
  ['listSavepoints', (s) => s.listSavepoints('r')],
  ['prune', (s) => s.prune('r', 1)],
  ['quarantineSavepoint', (s) => s.quarantineSavepoint('r', 1)],
  ['deleteRun', (s) => s.deleteRun('r')],
  ['listRuns', (s) => s.listRuns()],
];

/** The conformance cases of `close()` and `E_CLOSED` after it. */
export function describeLifecycle(factory: StorageFactory): void {
  describe('#close()', () => {
    const ctx = useFixture(factory);

    it.each(CALLS)('makes %s reject with E_CLOSED', async (_, call) => {
      const { storage } = ctx();
      await storage.writeSavepoint('r', savepoint(1), { keep: 2 });
      await storage.close();
      await expect(call(storage)).rejects.toMatchObject({
        name: 'RunStateError',
        code: 'E_CLOSED',
      });
    });

    it('is idempotent', async () => {
      const { storage } = ctx();
      await Promise.all([storage.close(), storage.close()]);
      await expect(storage.close()).resolves.toBeUndefined();
    });

    it('is what Symbol.asyncDispose does (await using)', async () => {
      const { storage } = ctx();
      {
        await using disposable = storage;
        await disposable.initRun('r');
      }
      await expect(storage.listRuns()).rejects.toMatchObject({
        code: 'E_CLOSED',
      });
    });
  });
}
