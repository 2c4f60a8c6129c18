import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  checkMigrations,
  defaultCodec,
  defineMigrations,
  migrateRun,
  migrateRuns,
  type MigrationProgress,
  type StorageAdapter,
} from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { chain, writeRuns } from './migrate-fixture.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const BACKENDS: [string, () => Promise<StorageAdapter>][] = [
  ['MemoryStorage', () => MemoryStorage.open()],
  ['SqliteStorage', () => SqliteStorage.open({ path: ':memory:' })],
  [
    'FileStorage',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'runstate-migrate-'));
      dirs.push(dir);
      return FileStorage.open({ directory: dir, fsync: false });
    },
  ],
];

const decoded = async (storage: StorageAdapter, runId: string, ts?: number) => {
  const sp = await storage.readSavepoint(runId, ts);
  return {
    meta: sp?.meta,
    states: new Map(sp?.entries.map(([id, b]) => [id, defaultCodec.decode(b)])),
  };
};

describe.each(BACKENDS)('migrateRun() on %s', (_, open) => {
  it('rewrites the newest savepoint in place at the chain version, keeping the others', async () => {
    await using storage = await open();
    await writeRuns(storage, 1);
    const result = await migrateRun(storage, 'run-0', chain);
    expect(result).toEqual({
      runId: 'run-0',
      status: 'migrated',
      timestamp: 180,
      from: 0,
      to: 2,
      entities: 3,
    });
    expect(await storage.listSavepoints('run-0')).toEqual([60, 120, 180]);
    const newest = await decoded(storage, 'run-0');
    expect(newest.meta?.version).toBe(2);
    expect(newest.states.get('e1')).toEqual({ total: 1810, unit: 'kg' });
    expect((await decoded(storage, 'run-0', 120)).meta?.version).toBe(0);
    // Then a store writes past it as usual, and keep still counts 3.
    await storage.writeSavepoint(
      'run-0',
      { timestamp: 240, entries: [] },
      { keep: 3 },
    );
    expect(await storage.listSavepoints('run-0')).toEqual([120, 180, 240]);
  });

  it('does nothing to a run already at the version, or one without savepoints', async () => {
    await using storage = await open();
    await writeRuns(storage, 1);
    await migrateRun(storage, 'run-0', chain);
    expect((await migrateRun(storage, 'run-0', chain)).status).toBe('current');
    await storage.initRun('none');
    expect(await migrateRun(storage, 'none', chain)).toEqual({
      runId: 'none',
      status: 'empty',
      to: 2,
    });
  });

  it('lets one of two concurrent migrations win; the other writes nothing', async () => {
    await using storage = await open();
    await writeRuns(storage, 1);
    const results = await Promise.all([
      migrateRun(storage, 'run-0', chain),
      migrateRun(storage, 'run-0', chain),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses[0]).toBe('migrated');
    expect(['current', 'raced']).toContain(statuses[1]);
    expect((await decoded(storage, 'run-0')).states.get('e0')).toEqual({
      total: 1800,
      unit: 'kg',
    });
  });

  it('writes nothing when a step fails', async () => {
    await using storage = await open();
    await writeRuns(storage, 1);
    const failing = defineMigrations({
      1: () => {
        throw new Error('no');
      },
    });
    await expect(migrateRun(storage, 'run-0', failing)).rejects.toMatchObject({
      code: 'E_MIGRATION_FAILED',
    });
    expect((await decoded(storage, 'run-0')).meta?.version).toBe(0);
  });
});

describe('checkMigrations() and migrateRuns()', () => {
  it('checks every run without writing, reporting versions, entities and failures', async () => {
    await using storage = await MemoryStorage.open();
    await writeRuns(storage, 3);
    await storage.writeSavepoint(
      'newer',
      { timestamp: 60, entries: [], meta: { version: 9 } },
      { keep: 1 },
    );
    const seen: MigrationProgress[] = [];
    const report = await checkMigrations(storage, chain, {
      onProgress: (p) => seen.push(p),
    });
    expect(report.counts).toMatchObject({ migrated: 3, failed: 1 });
    expect(report.failures).toEqual([
      expect.objectContaining({ runId: 'newer', status: 'failed' }),
    ]);
    expect(report.failures[0]?.error.code).toBe('E_VERSION_NEWER');
    expect(seen.map((p) => p.done)).toEqual([1, 2, 3, 4]);
    expect(seen[1]?.result).toMatchObject({ from: 0, to: 2, entities: 3 });
    expect((await storage.readSavepoint('run-0'))?.meta?.version).toBe(0);
  });

  it('migrates 1 000 runs one at a time, reporting progress after each', async () => {
    await using storage = await SqliteStorage.open({ path: ':memory:' });
    await writeRuns(storage, 1_000, 2);
    let inFlight = 0;
    let most = 0;
    const counting = defineMigrations<{ 0: unknown; 1: unknown; 2: unknown }>({
      1: async (states, c) => {
        most = Math.max(most, ++inFlight);
        const out = await chain.steps.get(1)!(states, c);
        inFlight--;
        return out;
      },
      2: (states, c) => chain.steps.get(2)!(states, c),
    });
    const progress: number[] = [];
    const report = await migrateRuns(storage, counting, {
      onProgress: ({ done, total }) => {
        expect(total).toBe(1_000);
        progress.push(done);
      },
    });
    expect(report).toMatchObject({ total: 1_000, aborted: false });
    expect(report.counts.migrated).toBe(1_000);
    expect(progress).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    expect(most).toBe(1);
    const info = await storage.listSavepointInfo('run-999');
    expect(info.map((i) => i.version)).toEqual([0, 0, 2]);
  });

  it('stops between runs when aborted', async () => {
    await using storage = await MemoryStorage.open();
    await writeRuns(storage, 5);
    const controller = new AbortController();
    const report = await migrateRuns(storage, chain, {
      signal: controller.signal,
      onProgress: ({ done }) => done === 2 && controller.abort(),
    });
    expect(report).toMatchObject({ total: 2, aborted: true });
  });

  it('rejects with what onProgress threw, after the runs already migrated', async () => {
    await using storage = await MemoryStorage.open();
    await writeRuns(storage, 3);
    const stop = new Error('enough');
    await expect(
      migrateRuns(storage, chain, {
        onProgress: ({ done }) => {
          if (done === 2) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    const versions = await Promise.all(
      ['run-0', 'run-1', 'run-2'].map(
        async (id) => (await storage.readSavepoint(id))?.meta?.version,
      ),
    );
    expect(versions.filter((v) => v === 2)).toHaveLength(2);
    expect(versions.filter((v) => v === 0)).toHaveLength(1);
  });
});

// Found by the fuzz soak (soak/fuzz-tool-targets.ts): a codec or logger of
// the wrong kind was accepted (and failed later, or never).
describe('option checks', () => {
  const migrations = defineMigrations({ 1: (states) => states });

  it('refuses a codec or logger of the wrong kind, naming it', async () => {
    const storage = new MemoryStorage();
    for (const codec of [null, 5, {}, { encode: () => 1 }]) {
      const options = { codec: codec as never };
      await expect(
        migrateRun(storage, 'r', migrations, options),
      ).rejects.toThrow(/^options.codec must be a codec/);
      await expect(migrateRuns(storage, migrations, options)).rejects.toThrow(
        /^options.codec must be a codec/,
      );
      await expect(
        checkMigrations(storage, migrations, options),
      ).rejects.toThrow(/^options.codec must be a codec/);
    }
    for (const logger of [null, 'log', { info: () => undefined }]) {
      const options = { logger: logger as never };
      await expect(
        migrateRun(storage, 'r', migrations, options),
      ).rejects.toThrow(/^options.logger must/);
      await expect(
        checkMigrations(storage, migrations, options),
      ).rejects.toThrow(/^options.logger must/);
    }
  });
});
