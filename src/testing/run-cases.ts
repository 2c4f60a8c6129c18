/**
 * Conformance: runs (initialisation, isolation, listing, deletion) and
 * quarantine.
 */
import { describe, expect, it } from 'vitest';
import { defaultCodec } from '../storage/codec/index.js';
import { loadNewestSavepoint } from '../storage/index.js';
import {
  plain,
  savepoint,
  useFixture,
  type StorageFactory,
} from './fixture.js';

/** Run ids that break naive SQL, paths, or UTF-8 vs UTF-16 ordering. */
const ODD_IDS = [
  '🚀 ünïcode/run',
  "x'); DROP TABLE runstate_runs; --",
  '%_\\*?',
  ' ',
  'nul\u0000inside',
  '\uff5e',
  'r'.repeat(1024),
];

/** The conformance cases of runs: init, ids, listing, deletion, quarantine, loading. */
export function describeRuns(factory: StorageFactory): void {
  describe('#isInitialized() and #initRun()', () => {
    const ctx = useFixture(factory);

    it('reports a run initialised once initRun resolves, before any savepoint', async () => {
      const { storage } = ctx();
      expect(await storage.isInitialized('r')).toBe(false);
      await storage.initRun('r');
      expect(await storage.isInitialized('r')).toBe(true);
      expect(await storage.listRuns()).toEqual(['r']);
    });

    it('keeps the savepoints when a run is initialised again', async () => {
      const { storage } = ctx();
      await storage.initRun('r');
      await storage.writeSavepoint('r', savepoint(1), { keep: 2 });
      await storage.initRun('r');
      expect(await storage.listSavepoints('r')).toEqual([1]);
    });

    it('initialises a run on its first savepoint', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint('r', savepoint(1), { keep: 2 });
      expect(await storage.isInitialized('r')).toBe(true);
    });
  });

  describe('runs', () => {
    const ctx = useFixture(factory);

    it('isolates runs, odd and Unicode ids included', async () => {
      const { storage } = ctx();
      for (const [i, id] of ODD_IDS.entries()) {
        await storage.writeSavepoint(id, savepoint(i + 1, { e: [i] }), {
          keep: 2,
        });
      }
      for (const [i, id] of ODD_IDS.entries()) {
        expect(await storage.listSavepoints(id)).toEqual([i + 1]);
        expect(plain(await storage.readSavepoint(id))).toEqual([['e', [i]]]);
      }
      expect(await storage.isInitialized('nul')).toBe(false);
    });

    it('lists every run sorted by UTF-16 code unit', async () => {
      const { storage } = ctx();
      for (const id of ODD_IDS) await storage.initRun(id);
      expect(await storage.listRuns()).toEqual([...ODD_IDS].sort());
      // '🚀' (0xD83D…) sorts before '～' (0xFF5E) by code unit, not by UTF-8.
      const runs = await storage.listRuns();
      expect(runs.indexOf('🚀 ünïcode/run')).toBeLessThan(
        runs.indexOf('\uff5e'),
      );
    });

    it('lists no runs in an empty storage', async () => {
      expect(await ctx().storage.listRuns()).toEqual([]);
    });
  });

  describe('#deleteRun()', () => {
    const ctx = useFixture(factory);

    it('deletes a run with its savepoints and reports that it existed', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint('a', savepoint(1), { keep: 2 });
      await storage.writeSavepoint('a', savepoint(2), { keep: 2 });
      await storage.writeSavepoint('b', savepoint(1), { keep: 2 });
      expect(await storage.deleteRun('a')).toBe(true);
      expect(await storage.isInitialized('a')).toBe(false);
      expect(await storage.readSavepoint('a', 1)).toBeUndefined();
      expect(await storage.listSavepoints('a')).toEqual([]);
      expect(await storage.listRuns()).toEqual(['b']);
      expect(plain(await storage.readSavepoint('b'))).toEqual([['a', [1]]]);
    });

    it('reports false for a run that does not exist', async () => {
      expect(await ctx().storage.deleteRun('nope')).toBe(false);
    });

    it('deletes an initialised run without savepoints', async () => {
      const { storage } = ctx();
      await storage.initRun('a');
      expect(await storage.deleteRun('a')).toBe(true);
      expect(await storage.listRuns()).toEqual([]);
    });

    it('deletes quarantined savepoints too: a new run of the same id starts empty', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint('a', savepoint(5), { keep: 2 });
      await storage.quarantineSavepoint('a', 5);
      expect(await storage.deleteRun('a')).toBe(true);
      await storage.writeSavepoint('a', savepoint(1), { keep: 2 });
      expect(await storage.listSavepoints('a')).toEqual([1]);
    });
  });

  describe('#quarantineSavepoint()', () => {
    const ctx = useFixture(factory);

    it('hides a savepoint from reads, lists, newest and prune', async () => {
      const { storage } = ctx();
      for (const ts of [1, 2, 3]) {
        await storage.writeSavepoint('r', savepoint(ts), { keep: 5 });
      }
      await storage.quarantineSavepoint('r', 3);
      expect(await storage.listSavepoints('r')).toEqual([1, 2]);
      expect(await storage.newestTimestamp('r')).toBe(2);
      expect((await storage.readSavepoint('r'))?.timestamp).toBe(2);
      expect(await storage.readSavepoint('r', 3)).toBeUndefined();
      expect(await storage.prune('r', 2)).toBe(0);
      expect(await storage.isInitialized('r')).toBe(true);
    });

    it('lets the run persist past the quarantined savepoint, even at its timestamp', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint('r', savepoint(1), { keep: 5 });
      await storage.writeSavepoint('r', savepoint(3), { keep: 5 });
      await storage.quarantineSavepoint('r', 3);
      await storage.writeSavepoint('r', savepoint(2), { keep: 5 });
      await storage.writeSavepoint('r', savepoint(3, { b: [1] }), { keep: 5 });
      await storage.quarantineSavepoint('r', 3);
      await storage.writeSavepoint('r', savepoint(3, { c: [2] }), { keep: 5 });
      expect(await storage.listSavepoints('r')).toEqual([1, 2, 3]);
      expect(plain(await storage.readSavepoint('r'))).toEqual([['c', [2]]]);
    });

    it('does nothing for a missing savepoint or run', async () => {
      const { storage } = ctx();
      await storage.writeSavepoint('r', savepoint(1), { keep: 5 });
      await storage.quarantineSavepoint('r', 2);
      await storage.quarantineSavepoint('nope', 1);
      expect(await storage.listSavepoints('r')).toEqual([1]);
      expect(await storage.listRuns()).toEqual(['r']);
    });
  });

  describe('loadNewestSavepoint() on this storage', () => {
    const ctx = useFixture(factory);

    it('falls back past a savepoint whose stored bytes were damaged, writing nothing', async () => {
      const { storage, corrupt } = ctx();
      for (const ts of [60_000, 120_000, 180_000]) {
        const entries = [['e', defaultCodec.encode({ ts })] as const];
        await storage.writeSavepoint(
          'r',
          { timestamp: ts, entries },
          { keep: 5 },
        );
      }
      await corrupt('r', 180_000);
      const loaded = await loadNewestSavepoint(storage, 'r');
      expect(loaded).toMatchObject({
        timestamp: 120_000,
        states: [['e', { ts: 120_000 }]],
        skipped: [180_000],
        meta: { version: 0 },
      });
      expect(await storage.listSavepoints('r')).toEqual([
        60_000, 120_000, 180_000,
      ]);
    });

    it('fails with E_CORRUPTED, never "no savepoint", when every savepoint is damaged', async () => {
      const { storage, corrupt } = ctx();
      for (const ts of [60_000, 120_000]) {
        const entries = [['e', defaultCodec.encode({ ts })] as const];
        await storage.writeSavepoint(
          'r',
          { timestamp: ts, entries },
          { keep: 5 },
        );
      }
      await corrupt('r', 120_000);
      await corrupt('r', 60_000);
      await expect(loadNewestSavepoint(storage, 'r')).rejects.toMatchObject({
        code: 'E_CORRUPTED',
        details: { runId: 'r', timestamps: [120_000, 60_000] },
      });
      expect(await storage.listSavepoints('r')).toEqual([60_000, 120_000]);
    });
  });
}
