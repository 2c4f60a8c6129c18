import { afterAll, describe, expect, it } from 'vitest';
import { defaultCodec } from 'runstate';
import { openStorageUrl } from 'runstate/cli';
import { backends, cleanUp, fill, freshUrl, runBin } from './support.js';

afterAll(cleanUp);

const json = (text: string): unknown => JSON.parse(text);

describe.each(backends)('runstate on %s', (backend) => {
  it('lists runs and savepoints, shows entities and a state, diffs', async () => {
    const url = freshUrl(backend);
    await fill(url);
    const runs = await runBin(['runs', url, '--json']);
    expect(runs.stderr).toBe('');
    expect(runs.status).toBe(0);
    expect(json(runs.stdout)).toMatchObject([
      { runId: 'empty', savepoints: 0 },
      {
        runId: 'orders',
        savepoints: 3,
        newest: 180_000,
        date: '1970-01-01T00:03:00.000Z',
        version: 0,
      },
    ]);
    const list = await runBin(['savepoints', url, 'orders']);
    expect(list.stdout).toMatch(
      /^TIMESTAMP\s+DATE\s+ENTITIES\s+BYTES\s+VERSION/,
    );
    expect(list.stdout.trim().split('\n')).toHaveLength(4);
    const state = await runBin([
      'show',
      url,
      'orders',
      '--at',
      '120000',
      '--entity',
      'totals',
      '--json',
    ]);
    expect(json(state.stdout)).toMatchObject({
      timestamp: 120_000,
      entityId: 'totals',
      state: {
        $: 'Map',
        entries: [
          ['apple', 2],
          [7, { $: 'bigint', value: '3' }],
        ],
      },
    });
    const diff = await runBin([
      'diff',
      url,
      'orders',
      '60000',
      '180000',
      '--entity',
      'totals',
    ]);
    expect(diff.status).toBe(0);
    expect(diff.stdout).toContain('~ totals');
    expect(diff.stdout).toContain('+ .get(7): {"$":"bigint","value":"3"}');
  });

  it('exports, imports and re-exports byte-identically', async () => {
    const url = freshUrl(backend);
    await fill(url);
    const first = await runBin(['export', url, 'orders']);
    expect(first.status).toBe(0);
    const imported = await runBin(
      ['import', '-', '--to', url, '--run', 'copy', '--json'],
      first.stdout,
    );
    expect(imported.stderr).toBe('');
    expect(json(imported.stdout)).toEqual({
      runId: 'copy',
      timestamp: 180_000,
      entities: 2,
    });
    const again = await runBin(['export', url, 'copy']);
    expect(again.stdout).toBe(
      first.stdout.replace('"runId":"orders"', '"runId":"copy"'),
    );
  });

  it('verify passes on a sound store and names run, timestamp, entity and reason on a corrupted one', async () => {
    const url = freshUrl(backend);
    await fill(url);
    expect((await runBin(['verify', url, '--all'])).status).toBe(0);
    {
      await using storage = await openStorageUrl(url);
      const bad = defaultCodec.encode({ fine: false });
      bad[bad.length - 1]! ^= 0x55;
      const entries = [
        ['ok', defaultCodec.encode(1)],
        ['broken', bad],
      ] as const;
      await storage.writeSavepoint(
        'orders',
        { timestamp: 240_000, entries },
        { keep: 10 },
      );
    }
    const result = await runBin(['verify', url, 'orders']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      /FAIL run "orders" savepoint 240000 \(1970-01-01T00:04:00.000Z\) entity "broken": E_CORRUPTED .*checksum/,
    );
    const asJson = await runBin(['verify', url, '--all', '--json']);
    expect(asJson.status).toBe(1);
    expect(json(asJson.stdout)).toMatchObject({
      ok: false,
      failures: [
        {
          runId: 'orders',
          timestamp: 240_000,
          entityId: 'broken',
          code: 'E_CORRUPTED',
        },
      ],
    });
  });

  it('prunes, quarantines and deletes', async () => {
    const url = freshUrl(backend);
    await fill(url);
    expect((await runBin(['prune', url, 'orders', '--keep', '2'])).stdout).toBe(
      'deleted 1 savepoint of run "orders"\n',
    );
    const q = await runBin([
      'quarantine',
      url,
      'orders',
      '--at',
      'newest',
      '--json',
    ]);
    expect(json(q.stdout)).toEqual({ runId: 'orders', quarantined: 180_000 });
    {
      await using storage = await openStorageUrl(url, { readOnly: true });
      expect(await storage.listSavepoints('orders')).toEqual([120_000]);
    }
    expect((await runBin(['delete', url, 'orders'])).status).toBe(2);
    expect((await runBin(['delete', url, 'orders', '--yes'])).status).toBe(0);
    expect((await runBin(['delete', url, 'orders', '--yes'])).status).toBe(1);
    expect(json((await runBin(['runs', url, '--json'])).stdout)).toEqual([
      { runId: 'empty', savepoints: 0 },
    ]);
  });
});
