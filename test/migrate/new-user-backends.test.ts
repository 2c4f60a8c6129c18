/**
 * A new user's probes of docs/migrations.md on every backend, through the
 * package's public entry points only: metadata round trip, the store's
 * version and metadata, migrateRun/checkMigrations, rewind.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  checkMigrations,
  createStateStore,
  defaultCodec,
  defineMigrations,
  mapStates,
  migrateRun,
  type StorageAdapter,
} from 'runstate';
import { FileStorage } from 'runstate/file';
import { PostgresStorage } from 'runstate/postgres';
import { RedisStorage } from 'runstate/redis';
import { SqliteStorage } from 'runstate/sqlite';
import {
  checkPinnedSavepoints,
  expectPinnedSavepoints,
} from 'runstate/testing';

const pgUrl = process.env.RUNSTATE_PG_URL;
const redisUrl = process.env.RUNSTATE_REDIS_URL;
const tag = () => randomBytes(5).toString('hex');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Opener = () => Promise<StorageAdapter>;
const BACKENDS: [string, Opener][] = [
  ['memory', () => MemoryStorage.open()],
  ['sqlite', () => SqliteStorage.open({ path: ':memory:' })],
  [
    'file',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'runstate-newuser-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      return FileStorage.open({ directory: dir, fsync: false });
    },
  ],
];
if (pgUrl !== undefined) {
  BACKENDS.push([
    'postgres',
    async () => {
      const schema = `runstate_newuser_${tag()}`;
      const s = await PostgresStorage.open({ connectionString: pgUrl, schema });
      cleanups.push(async () => {
        const { default: pg } = await import('pg');
        const c = new pg.Client({ connectionString: pgUrl });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      });
      return s;
    },
  ]);
}
if (redisUrl !== undefined) {
  BACKENDS.push([
    'redis',
    () => RedisStorage.open({ url: redisUrl, prefix: `newuser:${tag()}:` }),
  ]);
}

type Shapes = {
  0: { count: number };
  1: { count: number; unit: string };
  2: { total: { value: number; unit: string } };
};
const migrations = defineMigrations<Shapes>({
  1: mapStates((s) => ({ ...s, unit: 'pcs' })),
  2: (states) =>
    states.map(([id, s]) => [
      id === 'orders' ? 'totals' : id,
      { total: { value: s.count, unit: s.unit } },
    ]),
});

/** Release 1 (version 0): savepoints 60 000 and 120 000 with count 1, 2. */
async function release1(storage: StorageAdapter, runId: string) {
  const store = createStateStore({ runId, schedule: 60_000, storage });
  let [orders] = await store.initRunState(0, [['orders', { count: 0 }]]);
  for (const t of [10_000, 70_000, 130_000]) {
    orders = orders!.ackProcessedTime(t);
    orders = orders.updateState(t, { count: orders.state.count + 1 });
  }
  await store.close();
}

const decode = (sp: Awaited<ReturnType<StorageAdapter['readSavepoint']>>) =>
  Object.fromEntries(
    sp!.entries.map(([id, b]) => [id, defaultCodec.decode(b)]),
  );

describe.each(BACKENDS)('a new user on %s', (_name, open) => {
  it('round-trips version, writtenAt and metadata through the store', async () => {
    const storage = await open();
    cleanups.push(() => storage.close());
    const metadata = { build: 'b-17', sha: 'abc', flags: [1, null, true] };
    const before = Date.now();
    const store = createStateStore({
      runId: 'r',
      schedule: 60_000,
      storage,
      version: 3,
      metadata,
    });
    expect(store.status().version).toBe(3);
    const [e] = await store.initRunState(0, [['a', 1]]);
    e!.ackProcessedTime(61_000);
    await store.flush();
    await store.close();
    const after = Date.now();
    const sp = await storage.readSavepoint('r');
    expect(sp?.meta?.version).toBe(3);
    expect(sp?.meta?.metadata).toEqual(metadata);
    expect(sp?.meta?.writtenAt).toBeGreaterThanOrEqual(before);
    expect(sp?.meta?.writtenAt).toBeLessThanOrEqual(after);
    const info = await storage.listSavepointInfo!('r');
    expect(info).toEqual([
      {
        timestamp: 60_000,
        version: 3,
        writtenAt: sp?.meta?.writtenAt,
        metadata,
      },
    ]);
  });

  it('migrates on load, persisting the next savepoint at the current version', async () => {
    const storage = await open();
    cleanups.push(() => storage.close());
    await release1(storage, 'shop');
    const persisted: number[] = [];
    const store = createStateStore({
      runId: 'shop',
      schedule: 60_000,
      storage,
      migrations,
      metadata: { build: 3 },
      onPersisted: (i) => persisted.push(i.version),
    });
    const loaded = await store.loadRunState();
    expect(loaded.meta.version).toBe(0);
    expect(loaded.entities.map((x) => [x.id, x.state])).toEqual([
      ['totals', { total: { value: 2, unit: 'pcs' } }],
    ]);
    loaded.entities[0]!.ackProcessedTime(190_000);
    await store.close();
    expect(persisted).toEqual([2]);
    const info = await storage.listSavepointInfo!('shop');
    expect(info.map((i) => [i.timestamp, i.version, i.metadata])).toEqual([
      [120_000, 0, undefined],
      [180_000, 2, { build: 3 }],
    ]);
  });

  it('migrateRun rewrites in place, quarantining the old; checkMigrations reports', async () => {
    const storage = await open();
    cleanups.push(() => storage.close());
    await release1(storage, 'a');
    await release1(storage, 'b');
    const report = await checkMigrations(storage, migrations);
    expect(report).toMatchObject({
      total: 2,
      counts: { migrated: 2, current: 0, empty: 0, raced: 0, failed: 0 },
      failures: [],
      aborted: false,
    });
    expect(await migrateRun(storage, 'a', migrations)).toEqual({
      runId: 'a',
      status: 'migrated',
      timestamp: 120_000,
      from: 0,
      to: 2,
      entities: 1,
    });
    expect(await storage.listSavepoints('a')).toEqual([60_000, 120_000]);
    expect(decode(await storage.readSavepoint('a'))).toEqual({
      totals: { total: { value: 2, unit: 'pcs' } },
    });
    expect((await migrateRun(storage, 'a', migrations)).status).toBe('current');
    // The next ordinary write must still be newer, and keep still counts 2.
    const store = createStateStore({
      runId: 'a',
      schedule: 60_000,
      storage,
      migrations,
    });
    const { entities } = await store.loadRunState();
    entities[0]!.ackProcessedTime(190_000);
    await store.close();
    expect(await storage.listSavepoints('a')).toEqual([120_000, 180_000]);
  });

  it('rewinds to an older savepoint and persists past the quarantined newer one', async () => {
    const storage = await open();
    cleanups.push(() => storage.close());
    await release1(storage, 'r');
    const store = createStateStore({
      runId: 'r',
      schedule: 60_000,
      storage,
      migrations,
    });
    const loaded = await store.loadRunState({ at: 60_000 });
    expect(loaded.timestamp).toBe(60_000);
    expect(loaded.rewound).toEqual([120_000]);
    expect(await storage.listSavepoints('r')).toEqual([60_000]);
    loaded.entities[0]!.ackProcessedTime(130_000);
    await store.close();
    expect(await storage.listSavepoints('r')).toEqual([60_000, 120_000]);
    expect((await storage.readSavepoint('r'))?.meta?.version).toBe(2);
  });

  it('lets one of two concurrent migrateRun calls win, losing nothing', async () => {
    const storage = await open();
    cleanups.push(() => storage.close());
    await release1(storage, 'r');
    const results = await Promise.all([
      migrateRun(storage, 'r', migrations),
      migrateRun(storage, 'r', migrations),
    ]);
    const statuses = results.map((r) => r.status).sort();
    expect(['current,migrated', 'migrated,raced']).toContain(
      statuses.join(','),
    );
    expect(await storage.listSavepoints('r')).toEqual([60_000, 120_000]);
    expect((await storage.readSavepoint('r'))?.meta?.version).toBe(2);
  });

  it('checks pinned savepoints of a storage, with a readable report', async () => {
    const storage = await open();
    cleanups.push(() => storage.close());
    await release1(storage, 'shop-a');
    const ok = await expectPinnedSavepoints(storage, { migrations });
    expect(ok.failed).toBe(0);
    const broken = defineMigrations<Shapes>({
      1: mapStates(() => {
        throw new Error('unit unknown');
      }),
      2: mapStates((x) => ({ total: { value: x.count, unit: x.unit } })),
    });
    const report = await checkPinnedSavepoints(storage, {
      migrations: broken,
    });
    expect(report.failed).toBe(2);
    await expect(
      expectPinnedSavepoints(storage, { migrations: broken }),
    ).rejects.toThrow(
      /2 of 2 pinned savepoints[\s\S]*"orders"[\s\S]*unit unknown/,
    );
  });
});
