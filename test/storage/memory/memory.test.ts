import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../../src/storage/memory/index.js';
import { describeStorageAdapter } from '../../../src/testing/index.js';
import { savepoint } from '../../../src/testing/fixture.js';

// The conformance suite lists these as skipped; say why in the run's output.
console.info(
  'MemoryStorage: capability tests "reopen" and "readOnly" skipped: one ' +
    'instance holds its data, so no other instance can reopen it.',
);
describeStorageAdapter(
  'MemoryStorage',
  async () => {
    const storage = await MemoryStorage.open();
    return { storage, cleanup: () => storage.close() };
  },
  { capabilities: { replace: true, quarantine: true } },
);

describe('MemoryStorage.open()', () => {
  it('opens a writable storage by default', async () => {
    const storage = await MemoryStorage.open();
    expect(storage.readOnly).toBe(false);
    await storage.close();
  });

  it('rejects a readOnly option that is not a boolean, naming it', async () => {
    await expect(
      MemoryStorage.open({ readOnly: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/options\.readOnly/);
  });
});

describe('new MemoryStorage()', () => {
  it('creates a usable storage synchronously', async () => {
    const storage = new MemoryStorage();
    await storage.writeSavepoint('r', savepoint(1), { keep: 1 });
    expect(await storage.listSavepoints('r')).toEqual([1]);
  });
});

describe('MemoryStorage read-only', () => {
  const WRITES: [string, (s: MemoryStorage) => Promise<unknown>][] = [
    ['initRun', (s) => s.initRun('r')],
    ['writeSavepoint', (s) => s.writeSavepoint('r', savepoint(1), { keep: 1 })],
    ['prune', (s) => s.prune('r', 1)],
    ['quarantineSavepoint', (s) => s.quarantineSavepoint('r', 1)],
    ['deleteRun', (s) => s.deleteRun('r')],
  ];

  it.each(WRITES)('refuses %s with E_READ_ONLY', async (_, write) => {
    const storage = await MemoryStorage.open({ readOnly: true });
    expect(storage.readOnly).toBe(true);
    await expect(write(storage)).rejects.toMatchObject({ code: 'E_READ_ONLY' });
  });

  it('reads as empty', async () => {
    const storage = await MemoryStorage.open({ readOnly: true });
    expect(await storage.listRuns()).toEqual([]);
    expect(await storage.readSavepoint('r')).toBeUndefined();
    expect(await storage.isInitialized('r')).toBe(false);
  });
});
