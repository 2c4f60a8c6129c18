import { afterAll, describe, expect, it } from 'vitest';
import { exportSavepoint } from 'runstate';
import { openStorageUrl } from 'runstate/cli';
import { backends, cleanUp, fill, freshUrl, runBin } from './support.js';

afterAll(cleanUp);

/** Every savepoint of "orders" in a store, exported, as text. */
async function exportAll(url: string): Promise<string[]> {
  await using storage = await openStorageUrl(url, { readOnly: true });
  const out: string[] = [];
  for (const at of await storage.listSavepoints('orders')) {
    let text = '';
    for await (const line of exportSavepoint(storage, 'orders', { at }))
      text += line;
    out.push(text);
  }
  return out;
}

const pairs = backends.flatMap((from) =>
  backends.filter((to) => to !== from).map((to) => [from, to] as const),
);

describe('runstate copy', () => {
  it.each(pairs)(
    'copies %s → %s and back, unchanged, and verifies each copy',
    async (from, to) => {
      const source = freshUrl(from);
      const middle = freshUrl(to);
      const back = freshUrl(from);
      await fill(source);
      const there = await runBin([
        'copy',
        '--from',
        source,
        '--to',
        middle,
        '--all',
      ]);
      expect(there.stderr).toBe('');
      expect(there.status).toBe(0);
      expect(there.stdout).toContain('orders: 3 savepoints copied');
      expect(there.stdout).toContain('verified: the copy matches');
      const home = await runBin([
        'copy',
        '--from',
        middle,
        '--to',
        back,
        'orders',
        '--json',
      ]);
      expect(home.status).toBe(0);
      expect(JSON.parse(home.stdout)).toMatchObject({
        ok: true,
        runs: [
          { runId: 'orders', copied: [60_000, 120_000, 180_000], skipped: [] },
        ],
        failures: [],
      });
      const original = await exportAll(source);
      expect(original).toHaveLength(3);
      expect(await exportAll(middle)).toEqual(original);
      expect(await exportAll(back)).toEqual(original);
    },
    120_000,
  );

  it('never overwrites newer data in the target', async () => {
    const source = freshUrl('sqlite');
    const target = freshUrl('sqlite');
    await fill(source);
    await runBin(['copy', '--from', source, '--to', target, 'orders']);
    {
      await using storage = await openStorageUrl(source);
      await storage.prune('orders', 1);
    }
    {
      await using storage = await openStorageUrl(target);
      await storage.writeSavepoint(
        'orders',
        { timestamp: 999_000, entries: [] },
        { keep: 10 },
      );
    }
    const result = await runBin([
      'copy',
      '--from',
      source,
      '--to',
      target,
      'orders',
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(
      'orders: 0 savepoints copied, 1 skipped (the target has the same or newer)',
    );
    await using storage = await openStorageUrl(target, { readOnly: true });
    expect(await storage.listSavepoints('orders')).toEqual([
      60_000, 120_000, 180_000, 999_000,
    ]);
  });
});
