import { afterAll, describe, expect, it, vi } from 'vitest';
import { defaultCodec } from 'runstate';
import { openStorageUrl } from 'runstate/cli';
import { backends, cleanUp, fill, freshUrl, runBin } from './support.js';

afterAll(cleanUp);
// Each test runs the bin several times: slow on a loaded machine.
vi.setConfig({ testTimeout: 240_000 });

const TS_CHAIN = 'test/cli/fixtures/migrations.ts';
const FAILING_JS_CHAIN = 'test/cli/fixtures/migrations.mjs';
const json = (text: string): unknown => JSON.parse(text);

/** The versions of the live savepoints of "orders". */
async function versions(url: string): Promise<number[]> {
  await using storage = await openStorageUrl(url, { readOnly: true });
  const out: number[] = [];
  for (const ts of await storage.listSavepoints('orders')) {
    out.push((await storage.readSavepoint('orders', ts))!.meta!.version);
  }
  return out;
}

describe.each(backends)('runstate migrate on %s', (backend) => {
  it('--dry-run reports what would migrate and writes nothing', async () => {
    const url = freshUrl(backend);
    await fill(url);
    const r = await runBin([
      'migrate',
      url,
      '--migrations',
      TS_CHAIN,
      '--dry-run',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'orders: would migrate v0 → v1 savepoint 180000, 2 entities',
    );
    expect(r.stdout).toContain('empty: empty');
    expect(await versions(url)).toEqual([0, 0, 0]);
  });

  it('migrates the newest savepoint of every run (TS chain), quarantining the old one', async () => {
    const url = freshUrl(backend);
    await fill(url);
    const r = await runBin([
      'migrate',
      url,
      '--migrations',
      TS_CHAIN,
      '--json',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(json(r.stdout)).toMatchObject({
      dryRun: false,
      version: 1,
      counts: { migrated: 1, empty: 1, failed: 0 },
      runs: [
        { runId: 'empty', status: 'empty' },
        {
          runId: 'orders',
          status: 'migrated',
          from: 0,
          to: 1,
          timestamp: 180_000,
        },
      ],
    });
    expect(await versions(url)).toEqual([0, 0, 1]);
    {
      await using storage = await openStorageUrl(url, { readOnly: true });
      const sp = await storage.readSavepoint('orders');
      const totals = sp!.entries.find(([id]) => id === 'totals')!;
      expect(defaultCodec.decode(totals[1])).toMatchObject({ unit: 'pcs' });
    }
    const again = await runBin(['migrate', url, '--migrations', TS_CHAIN]);
    expect(again.stdout).toContain('orders: current v1 → v1');
    const q = await runBin(['quarantine', url, 'orders', '--json']);
    expect(json(q.stdout)).toMatchObject([{ timestamp: 180_000, version: 0 }]);
  });

  it('a failing step (JS chain) exits 1, names the step and entity, and writes nothing', async () => {
    const url = freshUrl(backend);
    await fill(url);
    const r = await runBin(['migrate', url, '--migrations', FAILING_JS_CHAIN]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL orders: E_MIGRATION_FAILED: .*0→1.*"misc".*misc cannot be migrated/,
    );
    expect(await versions(url)).toEqual([0, 0, 0]);
  });

  it('quarantine lists, --at moves aside, --restore moves back (refusing over newer live ones)', async () => {
    const url = freshUrl(backend);
    await fill(url);
    expect((await runBin(['quarantine', url, 'orders'])).stdout).toBe(
      'no quarantined savepoints\n',
    );
    expect(
      (await runBin(['quarantine', url, 'orders', '--at', '120000'])).status,
    ).toBe(0);
    const listed = json(
      (await runBin(['quarantine', url, 'orders', '--json'])).stdout,
    );
    expect(listed).toMatchObject([
      {
        timestamp: 120_000,
        date: '1970-01-01T00:02:00.000Z',
        version: 0,
        bytes: expect.any(Number) as number,
      },
    ]);
    const refused = await runBin([
      'quarantine',
      url,
      'orders',
      '--restore',
      '120000',
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('E_NOT_MONOTONIC');
    expect(
      (await runBin(['quarantine', url, 'orders', '--at', 'newest'])).status,
    ).toBe(0);
    const sps = json(
      (await runBin(['savepoints', url, 'orders', '--json'])).stdout,
    );
    expect(sps).toMatchObject({
      live: [{ timestamp: 60_000 }],
      quarantined: [{ timestamp: 120_000 }, { timestamp: 180_000 }],
    });
    const restored = await runBin([
      'quarantine',
      url,
      'orders',
      '--restore',
      '120000',
    ]);
    expect(restored.stdout).toContain('restored savepoint 120000');
    {
      await using storage = await openStorageUrl(url, { readOnly: true });
      expect(await storage.listSavepoints('orders')).toEqual([60_000, 120_000]);
    }
    const missing = await runBin([
      'quarantine',
      url,
      'orders',
      '--restore',
      '120000',
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('E_NO_SAVEPOINT');
  });
});

describe('runstate copy --migrations', () => {
  const other = backends.at(-1)!;
  it(`migrates each savepoint on the way (sqlite → ${other})`, async () => {
    const from = freshUrl('sqlite');
    const to = freshUrl(other);
    await fill(from);
    const r = await runBin([
      'copy',
      '--from',
      from,
      '--to',
      to,
      'orders',
      '--migrations',
      TS_CHAIN,
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('verified: the copy matches');
    expect(await versions(to)).toEqual([1, 1, 1]);
    expect(await versions(from)).toEqual([0, 0, 0]);
  });

  it('stops a run at a savepoint the chain cannot migrate, exit 1', async () => {
    const from = freshUrl('sqlite');
    const to = freshUrl('file');
    await fill(from);
    const r = await runBin([
      'copy',
      '--from',
      from,
      '--to',
      to,
      '--all',
      '--migrations',
      FAILING_JS_CHAIN,
      '--json',
    ]);
    expect(r.status).toBe(1);
    expect(json(r.stdout)).toMatchObject({
      ok: false,
      runs: [
        { runId: 'orders', copied: [] },
        { runId: 'empty', copied: [] },
      ].sort((a, b) => (a.runId < b.runId ? -1 : 1)),
      failures: [
        { runId: 'orders', timestamp: 60_000, code: 'E_MIGRATION_FAILED' },
      ],
    });
  });

  it('a savepoint newer than the chain is E_VERSION_NEWER and is not copied', async () => {
    const from = freshUrl('sqlite');
    const to = freshUrl('sqlite');
    await fill(from);
    {
      await using s = await openStorageUrl(from);
      const entries = [['totals', defaultCodec.encode(1)]] as const;
      await s.writeSavepoint(
        'orders',
        { timestamp: 240_000, entries, meta: { version: 5 } },
        { keep: 10 },
      );
    }
    const r = await runBin([
      'copy',
      '--from',
      from,
      '--to',
      to,
      'orders',
      '--migrations',
      TS_CHAIN,
      '--json',
    ]);
    expect(r.status).toBe(1);
    expect(json(r.stdout)).toMatchObject({
      ok: false,
      runs: [{ runId: 'orders', copied: [60_000, 120_000, 180_000] }],
      failures: [{ timestamp: 240_000, code: 'E_VERSION_NEWER' }],
    });
  });
});

describe('runstate migrate: bad --migrations files', () => {
  it.each([
    ['test/cli/fixtures/nope.ts', 'no such file'],
    ['test/cli/fixtures/not-a-chain.mjs', 'exports no migration chain'],
    ['test/cli/fixtures/throws.mjs', 'boom at import'],
  ])('%s: exit 2, %s, storage untouched', async (file, message) => {
    const url = freshUrl('sqlite');
    const r = await runBin(['migrate', url, '--migrations', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('E_USAGE');
    expect(r.stderr).toContain(message);
  });
});
