/**
 * Conformance: the optional `quarantine` capability (`listQuarantined`
 * and `restoreSavepoint`, which `runstate quarantine` needs).
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

const RUN = 'q-run';

/** The adapter's two quarantine methods, which the capability promises. */
function methods(storage: StorageAdapter) {
  if (
    typeof storage.listQuarantined !== 'function' ||
    typeof storage.restoreSavepoint !== 'function'
  ) {
    throw new Error(
      'the storage lacks listQuarantined() or restoreSavepoint()',
    );
  }
  return {
    list: (runId: string) => storage.listQuarantined!(runId),
    restore: (runId: string, ts: number) =>
      storage.restoreSavepoint!(runId, ts),
  };
}

/** Run `RUN` with savepoints 1, 2, 3 (states `{ a: [ts] }`), keep 5. */
async function writeThree(storage: StorageAdapter): Promise<void> {
  for (const ts of [1, 2, 3]) {
    const meta = { version: ts, writtenAt: 1000 + ts };
    const sp = { ...savepoint(ts, { a: [ts] }), meta };
    await storage.writeSavepoint(RUN, sp, { keep: 5 });
  }
}

/** Register the quarantine capability's cases. */
export function describeQuarantine(
  factory: StorageFactory,
  declared: StorageCapabilities,
): void {
  const on = declared.quarantine === true;
  (on ? describe : describe.skip)(
    `capability quarantine${on ? '' : ' (skipped: the backend does not declare it)'}`,
    () => {
      const ctx = useFixture(factory);

      it('lists quarantined savepoints with their version, ascending', async () => {
        const { storage } = ctx();
        const q = methods(storage);
        await writeThree(storage);
        expect(await q.list(RUN)).toEqual([]);
        await storage.quarantineSavepoint(RUN, 3);
        await storage.quarantineSavepoint(RUN, 1);
        const listed = await q.list(RUN);
        expect(listed.map((i) => [i.timestamp, i.version])).toEqual([
          [1, 1],
          [3, 3],
        ]);
        for (const info of listed) {
          if (info.entities !== undefined) expect(info.entities).toBe(1);
          if (info.quarantinedAt !== undefined) {
            expect(info.quarantinedAt).toBeGreaterThan(0);
          }
        }
        expect(await q.list('other')).toEqual([]);
      });

      it('restores a quarantined savepoint newer than every live one', async () => {
        const { storage } = ctx();
        const q = methods(storage);
        await writeThree(storage);
        await storage.quarantineSavepoint(RUN, 3);
        await q.restore(RUN, 3);
        expect(await storage.listSavepoints(RUN)).toEqual([1, 2, 3]);
        expect(plain(await storage.readSavepoint(RUN))).toEqual([['a', [3]]]);
        expect((await storage.readSavepoint(RUN))?.meta?.version).toBe(3);
        expect(await q.list(RUN)).toEqual([]);
      });

      it('refuses to restore behind a newer live savepoint (E_NOT_MONOTONIC), changing nothing', async () => {
        const { storage } = ctx();
        const q = methods(storage);
        await writeThree(storage);
        await storage.quarantineSavepoint(RUN, 2);
        await expect(q.restore(RUN, 2)).rejects.toMatchObject({
          code: 'E_NOT_MONOTONIC',
        });
        expect(await storage.listSavepoints(RUN)).toEqual([1, 3]);
        expect((await q.list(RUN)).map((i) => i.timestamp)).toEqual([2]);
      });

      it('refuses a timestamp with nothing quarantined (E_NO_SAVEPOINT)', async () => {
        const { storage } = ctx();
        const q = methods(storage);
        await writeThree(storage);
        await expect(q.restore(RUN, 7)).rejects.toMatchObject({
          code: 'E_NO_SAVEPOINT',
        });
        await expect(q.restore('nobody', 7)).rejects.toMatchObject({
          code: 'E_NO_SAVEPOINT',
        });
      });

      it('restores the savepoint quarantined last when one timestamp is quarantined twice', async () => {
        const { storage } = ctx();
        const q = methods(storage);
        await writeThree(storage);
        await storage.quarantineSavepoint(RUN, 3);
        const again = { ...savepoint(3, { a: [33] }), meta: { version: 9 } };
        await storage.writeSavepoint(RUN, again, { keep: 5 });
        await storage.quarantineSavepoint(RUN, 3);
        expect((await q.list(RUN)).map((i) => i.timestamp)).toEqual([3, 3]);
        await q.restore(RUN, 3);
        expect(plain(await storage.readSavepoint(RUN))).toEqual([['a', [33]]]);
        expect((await q.list(RUN)).map((i) => i.version)).toEqual([3]);
        // The other one stays quarantined, and a new quarantine of 3 is
        // listed beside it, not over it.
        await storage.quarantineSavepoint(RUN, 3);
        expect((await q.list(RUN)).map((i) => i.version).sort()).toEqual([
          3, 9,
        ]);
      });
    },
  );
}
