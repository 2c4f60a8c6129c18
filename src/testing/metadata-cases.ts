/**
 * Conformance: savepoint metadata (state version, write time, user
 * metadata) on every backend, `listSavepointInfo`, and the optional
 * `replace` capability (`replaceSavepoint`, which `migrateRun` needs).
 */
import { describe, expect, it } from 'vitest';
import type { StorageAdapter, StoredSavepoint } from '../storage/index.js';
import {
  plain,
  savepoint,
  useFixture,
  type StorageCapabilities,
  type StorageFactory,
} from './fixture.js';

const RUN = 'meta-run';

/** A savepoint with metadata. */
function withMeta(
  timestamp: number,
  meta: StoredSavepoint['meta'],
  states?: Readonly<Record<string, readonly number[]>>,
): StoredSavepoint {
  return { ...savepoint(timestamp, states), meta };
}

/** `listSavepointInfo`, which every `BaseStorage` has. */
function infoOf(storage: StorageAdapter, runId: string) {
  if (storage.listSavepointInfo === undefined) {
    throw new Error('the storage has no listSavepointInfo()');
  }
  return storage.listSavepointInfo(runId);
}

/** Register the metadata cases. */
export function describeMetadata(
  factory: StorageFactory,
  declared: StorageCapabilities,
): void {
  describe('savepoint metadata', () => {
    const ctx = useFixture(factory);

    it('stores and returns the version, write time and JSON metadata', async () => {
      const { storage } = ctx();
      const metadata = {
        build: 'ß-42',
        sha: null,
        list: [1, 2.5, true, 'x'],
        nested: { deep: { n: -1 } },
      };
      const meta = { version: 7, writtenAt: 1_700_000_000_123, metadata };
      await storage.writeSavepoint(RUN, withMeta(60, meta), { keep: 3 });
      expect((await storage.readSavepoint(RUN))?.meta).toEqual(meta);
      expect((await storage.readSavepoint(RUN, 60))?.meta).toEqual(meta);
      expect(await infoOf(storage, RUN)).toEqual([{ ...meta, timestamp: 60 }]);
    });

    it('defaults to version 0, written now, no metadata', async () => {
      const { storage } = ctx();
      const before = Date.now();
      await storage.writeSavepoint(RUN, savepoint(60), { keep: 3 });
      const after = Date.now();
      const meta = (await storage.readSavepoint(RUN))?.meta;
      expect(meta?.version).toBe(0);
      expect(meta?.metadata).toBeUndefined();
      expect(meta?.writtenAt).toBeGreaterThanOrEqual(before);
      expect(meta?.writtenAt).toBeLessThanOrEqual(after);
    });

    it('lists every live savepoint with its metadata, ascending', async () => {
      const { storage } = ctx();
      for (const [ts, version] of [
        [60, 0],
        [120, 1],
        [180, 2],
      ] as const) {
        const meta = { version, writtenAt: ts, metadata: { ts } };
        await storage.writeSavepoint(RUN, withMeta(ts, meta), { keep: 2 });
      }
      expect(await infoOf(storage, RUN)).toEqual([
        { timestamp: 120, version: 1, writtenAt: 120, metadata: { ts: 120 } },
        { timestamp: 180, version: 2, writtenAt: 180, metadata: { ts: 180 } },
      ]);
      await storage.quarantineSavepoint(RUN, 180);
      expect((await infoOf(storage, RUN)).map((i) => i.timestamp)).toEqual([
        120,
      ]);
      expect(await infoOf(storage, 'no-such-run')).toEqual([]);
    });

    it.each([
      ['a negative version', { version: -1 }, RangeError],
      ['a fractional version', { version: 1.5 }, RangeError],
      ['a string version', { version: '1' }, TypeError],
      [
        'metadata that is not JSON',
        { version: 0, metadata: new Date(0) },
        TypeError,
      ],
      ['a non-finite number', { version: 0, metadata: { n: NaN } }, RangeError],
      [
        'metadata over 60 KiB',
        { version: 0, metadata: 'x'.repeat(62_000) },
        RangeError,
      ],
    ])('refuses %s, writing nothing', async (_, meta, type) => {
      const { storage } = ctx();
      const bad = { ...savepoint(60), meta } as unknown as StoredSavepoint;
      await expect(
        storage.writeSavepoint(RUN, bad, { keep: 1 }),
      ).rejects.toThrow(type);
      expect(await storage.listSavepoints(RUN)).toEqual([]);
    });
  });

  const replace = declared.replace === true ? describe : describe.skip;
  replace(
    `capability replace${declared.replace === true ? '' : ' (skipped: the backend does not declare it)'}`,
    () => {
      const ctx = useFixture(factory);
      const replaceIn = (s: StorageAdapter, sp: StoredSavepoint, v: number) =>
        s.replaceSavepoint!(RUN, sp, { expectVersion: v });

      it('swaps a live savepoint in place, keeping the count of live ones', async () => {
        const { storage } = ctx();
        for (const ts of [60, 120]) {
          await storage.writeSavepoint(RUN, savepoint(ts), { keep: 2 });
        }
        const next = withMeta(60, { version: 3, writtenAt: 5 }, { b: [9] });
        expect(await replaceIn(storage, next, 0)).toBe('replaced');
        expect(await storage.listSavepoints(RUN)).toEqual([60, 120]);
        const read = await storage.readSavepoint(RUN, 60);
        expect(plain(read)).toEqual([['b', [9]]]);
        expect(read?.meta).toEqual({ version: 3, writtenAt: 5 });
        // Still monotonic past the newest; keep counts live ones only.
        await storage.writeSavepoint(RUN, savepoint(180), { keep: 2 });
        expect(await storage.listSavepoints(RUN)).toEqual([120, 180]);
      });

      it('refuses a stale version (conflict) and a missing timestamp', async () => {
        const { storage } = ctx();
        await storage.writeSavepoint(RUN, withMeta(60, { version: 1 }), {
          keep: 2,
        });
        const next = withMeta(60, { version: 2 }, { c: [1] });
        expect(await replaceIn(storage, next, 0)).toBe('conflict');
        expect(await replaceIn(storage, withMeta(90, { version: 2 }), 1)).toBe(
          'missing',
        );
        expect(plain(await storage.readSavepoint(RUN))).toEqual([['a', [60]]]);
        expect(await replaceIn(storage, next, 1)).toBe('replaced');
        expect(await replaceIn(storage, next, 1)).toBe('conflict');
      });

      it('refuses on a read-only storage', async () => {
        const { storage } = ctx();
        await storage.writeSavepoint(RUN, savepoint(60), { keep: 2 });
        if (declared.readOnly !== true) return;
        const reader = await ctx().reopen({ readOnly: true });
        await expect(
          replaceIn(reader, withMeta(60, { version: 1 }), 0),
        ).rejects.toMatchObject({ code: 'E_READ_ONLY' });
      });
    },
  );
}
