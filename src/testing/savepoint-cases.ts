/**
 * Conformance: writing, reading, listing and pruning savepoints.
 */
import { describe, expect, it } from 'vitest';
import {
  bytes,
  plain,
  savepoint,
  useFixture,
  type StorageFactory,
} from './fixture.js';

const RUN = 'run-1';

/** The conformance cases of writing, reading, pruning and quarantining savepoints. */
export function describeSavepoints(factory: StorageFactory): void {
  describe('#writeSavepoint() and #readSavepoint()', () => {
    const ctx = useFixture(factory);

    it('round-trips every byte value, empty blobs and Buffers exactly', async () => {
      const { storage } = ctx();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const entries = [
        ['all', all],
        ['empty', new Uint8Array(0)],
        ['buffer', Buffer.from([9, 8, 7])],
        ['view', new Uint8Array(all.buffer, 10, 5)],
      ] as const;
      await storage.writeSavepoint(
        RUN,
        { timestamp: 60_000, entries },
        { keep: 2 },
      );
      const read = await storage.readSavepoint(RUN);
      expect(read?.timestamp).toBe(60_000);
      expect(plain(read)).toEqual([
        ['all', [...all]],
        ['buffer', [9, 8, 7]],
        ['empty', []],
        ['view', [10, 11, 12, 13, 14]],
      ]);
      for (const [, b] of read?.entries ?? [])
        expect(b).toBeInstanceOf(Uint8Array);
    });

    it('stores a savepoint of zero entities', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint(
        RUN,
        { timestamp: 0, entries: [] },
        { keep: 1 },
      );
      expect(await storage.readSavepoint(RUN)).toMatchObject({
        timestamp: 0,
        entries: [],
        meta: { version: 0 },
      });
      expect(await storage.newestTimestamp(RUN)).toBe(0);
    });

    it('accepts the largest safe timestamp', async () => {
      const { storage } = ctx();
      const ts = Number.MAX_SAFE_INTEGER;
      await storage.writeSavepoint(RUN, savepoint(ts), { keep: 1 });
      expect(await storage.listSavepoints(RUN)).toEqual([ts]);
    });

    it('reads the newest savepoint when no timestamp is given', async () => {
      const { storage } = ctx();
      for (const ts of [60_000, 120_000, 180_000]) {
        await storage.writeSavepoint(RUN, savepoint(ts, { a: [ts / 60_000] }), {
          keep: 5,
        });
      }
      const newest = await storage.readSavepoint(RUN);
      expect(newest?.timestamp).toBe(180_000);
      expect(plain(newest)).toEqual([['a', [3]]]);
      expect(plain(await storage.readSavepoint(RUN, 120_000))).toEqual([
        ['a', [2]],
      ]);
    });

    it('resolves undefined for an unknown run or timestamp', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint(RUN, savepoint(60_000), { keep: 2 });
      expect(await storage.readSavepoint('other')).toBeUndefined();
      expect(await storage.readSavepoint(RUN, 61_000)).toBeUndefined();
      await storage.initRun('empty');
      expect(await storage.readSavepoint('empty')).toBeUndefined();
    });

    it('copies bytes: neither the writer nor a reader can change stored data', async () => {
      const { storage } = ctx();
      const written = bytes(1, 2, 3);
      await storage.writeSavepoint(
        RUN,
        { timestamp: 1, entries: [['a', written]] },
        { keep: 1 },
      );
      written[0] = 99;
      const first = await storage.readSavepoint(RUN);
      (first?.entries[0]?.[1] as Uint8Array)[1] = 99;
      expect(plain(await storage.readSavepoint(RUN))).toEqual([
        ['a', [1, 2, 3]],
      ]);
    });

    it('round-trips a savepoint of 10 000 entities', async () => {
      const { storage } = ctx();
      const entries = Array.from(
        { length: 10_000 },
        (_, i) => [`entity-${i}`, bytes(i % 256, (i >> 8) % 256, 7)] as const,
      );
      await storage.writeSavepoint(RUN, { timestamp: 5, entries }, { keep: 2 });
      const read = await storage.readSavepoint(RUN);
      expect(read?.entries).toHaveLength(10_000);
      const byId = new Map(read?.entries.map(([id, b]) => [id, [...b]]));
      expect(byId.get('entity-0')).toEqual([0, 0, 7]);
      expect(byId.get('entity-9999')).toEqual([9999 % 256, 39, 7]);
      expect(byId.size).toBe(10_000);
    });

    it('round-trips a savepoint of more than 10 MB', async () => {
      const { storage } = ctx();
      const big = (i: number) => {
        const b = new Uint8Array(1_100_000);
        for (let j = 0; j < b.length; j += 997) b[j] = (i * 31 + j) % 256;
        return b;
      };
      const entries = Array.from(
        { length: 10 },
        (_, i) => [`chunk-${i}`, big(i)] as const,
      );
      await storage.writeSavepoint(RUN, { timestamp: 9, entries }, { keep: 1 });
      const read = await storage.readSavepoint(RUN);
      const byId = new Map(read?.entries);
      expect(byId.size).toBe(10);
      for (const [id, expected] of entries) {
        expect(Buffer.from(byId.get(id) ?? []).equals(expected)).toBe(true);
      }
    });

    it('applies writes issued without awaiting in call order', async () => {
      const { storage } = ctx();
      await Promise.all(
        [1, 2, 3].map((ts) =>
          storage.writeSavepoint(RUN, savepoint(ts), { keep: 5 }),
        ),
      );
      expect(await storage.listSavepoints(RUN)).toEqual([1, 2, 3]);
    });
  });

  describe('#writeSavepoint() monotonicity', () => {
    const ctx = useFixture(factory);

    it.each([
      ['equal', 120_000],
      ['older', 60_000],
    ])(
      'refuses an %s timestamp with E_NOT_MONOTONIC and keeps the stored one',
      async (_, ts) => {
        const { storage } = ctx();
        await storage.writeSavepoint(RUN, savepoint(120_000, { a: [1] }), {
          keep: 2,
        });
        await expect(
          storage.writeSavepoint(RUN, savepoint(ts, { a: [2] }), { keep: 1 }),
        ).rejects.toMatchObject({
          code: 'E_NOT_MONOTONIC',
          details: { runId: RUN, timestamp: ts, newest: 120_000 },
        });
        expect(await storage.listSavepoints(RUN)).toEqual([120_000]);
        expect(plain(await storage.readSavepoint(RUN))).toEqual([['a', [1]]]);
      },
    );

    it('judges monotonicity per run', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint('a', savepoint(120_000), { keep: 2 });
      await storage.writeSavepoint('b', savepoint(60_000), { keep: 2 });
      expect(await storage.listSavepoints('b')).toEqual([60_000]);
    });
  });

  describe('#writeSavepoint() keep', () => {
    const ctx = useFixture(factory);

    it.each([1, 2, 5])('keeps the newest %i savepoints', async (keep) => {
      const { storage } = ctx();
      for (let ts = 1; ts <= 7; ts++) {
        await storage.writeSavepoint(RUN, savepoint(ts), { keep });
      }
      const expected = [1, 2, 3, 4, 5, 6, 7].slice(-keep);
      expect(await storage.listSavepoints(RUN)).toEqual(expected);
      expect(await storage.readSavepoint(RUN, 7 - keep)).toBeUndefined();
    });

    it('keeps every savepoint while there are fewer than keep', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint(RUN, savepoint(1), { keep: 5 });
      await storage.writeSavepoint(RUN, savepoint(2), { keep: 5 });
      expect(await storage.listSavepoints(RUN)).toEqual([1, 2]);
    });

    it('uses the keep of each write', async () => {
      const { storage } = ctx();
      for (const ts of [1, 2, 3]) {
        await storage.writeSavepoint(RUN, savepoint(ts), { keep: 3 });
      }
      await storage.writeSavepoint(RUN, savepoint(4), { keep: 1 });
      expect(await storage.listSavepoints(RUN)).toEqual([4]);
    });
  });

  describe('#newestTimestamp() and #listSavepoints()', () => {
    const ctx = useFixture(factory);

    it('report nothing for an unknown or empty run', async () => {
      const { storage } = ctx();
      await storage.initRun('empty');
      expect(await storage.newestTimestamp('nope')).toBeUndefined();
      expect(await storage.newestTimestamp('empty')).toBeUndefined();
      expect(await storage.listSavepoints('nope')).toEqual([]);
      expect(await storage.listSavepoints('empty')).toEqual([]);
    });

    it('list timestamps ascending and report the newest', async () => {
      const { storage } = ctx();
      for (const ts of [0, 60_000, 180_000]) {
        await storage.writeSavepoint(RUN, savepoint(ts), { keep: 5 });
      }
      expect(await storage.listSavepoints(RUN)).toEqual([0, 60_000, 180_000]);
      expect(await storage.newestTimestamp(RUN)).toBe(180_000);
    });
  });

  describe('#prune()', () => {
    const ctx = useFixture(factory);

    it('deletes all but the newest keep and reports how many', async () => {
      const { storage } = ctx();
      for (const ts of [1, 2, 3, 4]) {
        await storage.writeSavepoint(RUN, savepoint(ts), { keep: 10 });
      }
      expect(await storage.prune(RUN, 2)).toBe(2);
      expect(await storage.listSavepoints(RUN)).toEqual([3, 4]);
      expect(await storage.readSavepoint(RUN, 1)).toBeUndefined();
      expect(plain(await storage.readSavepoint(RUN, 3))).toEqual([['a', [3]]]);
      expect(await storage.prune(RUN, 2)).toBe(0);
    });

    it('deletes nothing in an unknown run', async () => {
      const { storage } = ctx();
      expect(await storage.prune('nope', 1)).toBe(0);
    });
  });
}
