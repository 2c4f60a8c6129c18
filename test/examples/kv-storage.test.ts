/**
 * The custom adapter example (`examples/kv-storage.ts`) passes the same
 * conformance suite as the built-in backends.
 */
import { describe, expect, it } from 'vitest';
import { KvStorage } from '../../examples/kv-storage.js';
import { TinyKv } from '../../examples/tiny-kv.js';
import type { StorageAdapter } from '../../src/index.js';
import { describeStorageAdapter } from '../../src/testing/index.js';
import { savepoint } from '../../src/testing/fixture.js';

describeStorageAdapter(
  'KvStorage (examples/kv-storage.ts)',
  async () => {
    const kv = new TinyKv();
    const handles: StorageAdapter[] = [await KvStorage.open(kv)];
    return {
      storage: handles[0] as StorageAdapter,
      reopen: async ({ readOnly }) => {
        handles.push(await KvStorage.open(kv, { readOnly }));
        return handles.at(-1) as StorageAdapter;
      },
      cleanup: async () => {
        await Promise.all(handles.map((h) => h.close()));
      },
    };
  },
  { capabilities: { reopen: true, readOnly: true } },
);

describe('KvStorage', () => {
  it('leaves no key behind after deleteRun, quarantined savepoints included', async () => {
    const kv = new TinyKv();
    const storage = await KvStorage.open(kv);
    for (const ts of [1, 2, 3]) {
      await storage.writeSavepoint('r', savepoint(ts), { keep: 2 });
    }
    await storage.quarantineSavepoint('r', 3);
    expect(kv.size).toBe(3); // the index, savepoint 2 and quarantined 3
    expect(await storage.deleteRun('r')).toBe(true);
    expect(kv.size).toBe(0);
    await storage.close();
  });
});
