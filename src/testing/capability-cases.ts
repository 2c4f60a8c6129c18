/**
 * Conformance: the optional capabilities (`reopen`, `readOnly`). Their tests
 * run exactly when the backend declares them; otherwise they are registered
 * as skipped, with the reason in the title.
 */
import { describe, expect, it } from 'vitest';
import type { StorageAdapter } from '../storage/index.js';
import {
  plain,
  savepoint,
  useFixture,
  type StorageCapabilities,
  type StorageFactory,
} from './fixture.js';

/** One call of every write method, with valid arguments. */
const WRITES: [string, (s: StorageAdapter) => Promise<unknown>][] = [
  ['initRun', (s) => s.initRun('new')],
  ['writeSavepoint', (s) => s.writeSavepoint('r', savepoint(9), { keep: 1 })],
  ['prune', (s) => s.prune('r', 1)],
  ['quarantineSavepoint', (s) => s.quarantineSavepoint('r', 2)],
  ['deleteRun', (s) => s.deleteRun('r')],
];

/** `describe` when declared, `describe.skip` with the reason otherwise. */
function describeCapability(
  capability: keyof StorageCapabilities,
  declared: StorageCapabilities,
  body: () => void,
): void {
  if (declared[capability] === true) {
    describe(`capability ${capability}`, body);
  } else {
    describe.skip(
      `capability ${capability} (skipped: the backend does not declare it)`,
      body,
    );
  }
}

/** Write a run `r` with savepoints 1–3 (3 quarantined) and a run `empty`. */
async function writeSample(storage: StorageAdapter): Promise<void> {
  await storage.initRun('empty');
  await storage.writeSavepoint('r', savepoint(1, { a: [1] }), { keep: 5 });
  await storage.writeSavepoint('r', savepoint(2, { a: [2] }), { keep: 5 });
  await storage.writeSavepoint('r', savepoint(3, { a: [3] }), { keep: 5 });
  await storage.quarantineSavepoint('r', 3);
}

/** Expect `storage` to hold exactly what {@link writeSample} wrote. */
async function expectSample(storage: StorageAdapter): Promise<void> {
  expect(await storage.listRuns()).toEqual(['empty', 'r']);
  expect(await storage.isInitialized('empty')).toBe(true);
  expect(await storage.listSavepoints('r')).toEqual([1, 2]);
  expect(await storage.newestTimestamp('r')).toBe(2);
  expect(plain(await storage.readSavepoint('r'))).toEqual([['a', [2]]]);
  expect(plain(await storage.readSavepoint('r', 1))).toEqual([['a', [1]]]);
}

/** The conformance cases of the optional capabilities a storage declares. */
export function describeCapabilities(
  factory: StorageFactory,
  declared: StorageCapabilities,
): void {
  describeCapability('reopen', declared, () => {
    const ctx = useFixture(factory);

    it('shows every run, savepoint and quarantine to another instance', async () => {
      const { storage, reopen } = ctx();
      await writeSample(storage);
      const other = await reopen();
      await expectSample(other);
      await other.writeSavepoint('r', savepoint(4, { a: [4] }), { keep: 5 });
      expect(await storage.newestTimestamp('r')).toBe(4);
    });

    it('keeps everything after the first instance closed', async () => {
      const { storage, reopen } = ctx();
      await writeSample(storage);
      await storage.close();
      await expectSample(await reopen());
    });
  });

  describeCapability('readOnly', declared, () => {
    const ctx = useFixture(factory);

    it('reads everything through a read-only instance, later writes included', async () => {
      const { storage, reopen } = ctx();
      await writeSample(storage);
      const reader = await reopen({ readOnly: true });
      expect(reader.readOnly).toBe(true);
      await expectSample(reader);
      await storage.writeSavepoint('r', savepoint(4, { a: [4] }), { keep: 5 });
      expect(await reader.listSavepoints('r')).toEqual([1, 2, 4]);
      expect(plain(await reader.readSavepoint('r'))).toEqual([['a', [4]]]);
    });

    it.each(WRITES)(
      'refuses %s with E_READ_ONLY and changes nothing',
      async (_, call) => {
        const { storage, reopen } = ctx();
        await writeSample(storage);
        const reader = await reopen({ readOnly: true });
        await expect(call(reader)).rejects.toMatchObject({
          name: 'RunStateError',
          code: 'E_READ_ONLY',
        });
        await expectSample(storage);
      },
    );
  });
}
