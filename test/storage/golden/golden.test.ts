import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { defaultCodec } from '../../../src/storage/codec/index.js';
import { loadNewestSavepoint } from '../../../src/storage/index.js';
import { GOLDEN_RUNS } from '../../fixtures/golden/golden-data.js';
import {
  openFile,
  openPostgres,
  openRedis,
  openSqlite,
  type OpenedGolden,
} from './golden-open.js';

const PG_URL = process.env.RUNSTATE_PG_URL;
const REDIS_URL = process.env.RUNSTATE_REDIS_URL;
if (PG_URL === undefined || REDIS_URL === undefined) {
  console.warn(
    '\n*** GOLDEN Postgres/Redis fixtures SKIPPED: set RUNSTATE_PG_URL and RUNSTATE_REDIS_URL ***\n',
  );
}

/** Every golden store written by an older release, by generation. */
const OPENERS: [string, (() => Promise<OpenedGolden>) | undefined][] = [
  ['v1 SQLite', () => openSqlite('v1')],
  ['v1 file', () => openFile('v1', 'file')],
  ['v1 file (gzip)', () => openFile('v1', 'file-gzip')],
  [
    'v1 Postgres',
    PG_URL === undefined ? undefined : () => openPostgres('v1', PG_URL),
  ],
  [
    'v1 Redis',
    REDIS_URL === undefined ? undefined : () => openRedis('v1', REDIS_URL),
  ],
];

const decode = (entries: readonly (readonly [string, Uint8Array])[]) =>
  new Map(entries.map(([id, bytes]) => [id, defaultCodec.decode(bytes)]));

describe.each(OPENERS)('golden fixture: %s', (_name, open) => {
  let opened: OpenedGolden | undefined;
  afterEach(async () => {
    await opened?.cleanup();
    opened = undefined;
  });
  const test = open === undefined ? it.skip : it;

  test('lists every run and its live savepoints', async () => {
    opened = await open!();
    const { storage } = opened;
    expect(await storage.listRuns()).toEqual(
      GOLDEN_RUNS.map((r) => r.runId).sort(),
    );
    for (const run of GOLDEN_RUNS) {
      expect(await storage.isInitialized(run.runId)).toBe(true);
      expect(await storage.listSavepoints(run.runId)).toEqual(
        run.savepoints.map((sp) => sp.timestamp),
      );
    }
  });

  test('reads every savepoint with the states it was written with', async () => {
    opened = await open!();
    const { storage } = opened;
    for (const run of GOLDEN_RUNS) {
      for (const sp of run.savepoints) {
        const read = await storage.readSavepoint(run.runId, sp.timestamp);
        expect(read?.timestamp).toBe(sp.timestamp);
        expect(decode(read!.entries)).toEqual(new Map(sp.states));
      }
      for (const sp of run.quarantined) {
        expect(await storage.readSavepoint(run.runId, sp.timestamp)).toBe(
          undefined,
        );
      }
    }
  });

  test('loads the newest savepoint of each run', async () => {
    opened = await open!();
    const { storage } = opened;
    for (const run of GOLDEN_RUNS) {
      const newest = run.savepoints.at(-1);
      if (newest === undefined) {
        await expect(
          loadNewestSavepoint(storage, defaultCodec, run.runId, silentLogger),
        ).rejects.toMatchObject({ code: 'E_NO_SAVEPOINT' });
        continue;
      }
      const loaded = await loadNewestSavepoint(
        storage,
        defaultCodec,
        run.runId,
        silentLogger,
      );
      expect(loaded.timestamp).toBe(newest.timestamp);
      expect(new Map(loaded.states)).toEqual(new Map(newest.states));
    }
  });

  test('reads old savepoints as state version 0, without metadata', async () => {
    opened = await open!();
    const { storage } = opened;
    const run = GOLDEN_RUNS[0]!;
    const read = await storage.readSavepoint(run.runId);
    expect(read?.meta?.version).toBe(0);
    expect(read?.meta?.metadata).toBeUndefined();
    const info = await storage.listSavepointInfo!(run.runId);
    expect(info.map((i) => [i.timestamp, i.version])).toEqual(
      run.savepoints.map((sp) => [sp.timestamp, 0]),
    );
  });

  test('accepts a new savepoint after the old ones', async () => {
    opened = await open!();
    const { storage } = opened;
    const run = GOLDEN_RUNS[0]!;
    const next = run.savepoints.at(-1)!.timestamp + 60_000;
    await storage.writeSavepoint(
      run.runId,
      {
        timestamp: next,
        entries: [['x', defaultCodec.encode(1)]],
        meta: { version: 3, metadata: { build: 'new' } },
      },
      { keep: 10 },
    );
    expect((await storage.readSavepoint(run.runId))?.meta).toMatchObject({
      version: 3,
      metadata: { build: 'new' },
    });
    expect(await storage.listSavepoints(run.runId)).toEqual([
      ...run.savepoints.map((sp) => sp.timestamp),
      next,
    ]);
  });
});
