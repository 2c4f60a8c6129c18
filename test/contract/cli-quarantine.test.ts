/**
 * Contract probes of docs/cli.md "quarantine", on every backend: list,
 * `--at TS|newest`, `--restore TS` and its refusals, exit codes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backends, cleanUp, fill, freshUrl, runBin } from '../cli/support.js';

afterAll(cleanUp);

interface Listed {
  readonly timestamp: number;
}

describe.each(backends)('runstate quarantine (%s)', (backend) => {
  it('--at newest moves the newest aside; the list and savepoints show it; --restore brings it back', async () => {
    const url = freshUrl(backend);
    await fill(url);
    const at = await runBin(['quarantine', url, 'orders', '--at', 'newest']);
    expect(at.status, at.stderr).toBe(0);
    const listed = await runBin(['quarantine', url, 'orders', '--json']);
    expect(
      (JSON.parse(listed.stdout) as Listed[]).map((q) => q.timestamp),
    ).toEqual([180_000]);
    const sp = JSON.parse(
      (await runBin(['savepoints', url, 'orders', '--json'])).stdout,
    ) as { live: Listed[]; quarantined: Listed[] };
    expect(sp.live.map((s) => s.timestamp)).toEqual([60_000, 120_000]);
    expect(sp.quarantined.map((s) => s.timestamp)).toEqual([180_000]);
    const text = await runBin(['quarantine', url, 'orders']);
    if (backend === 'postgres' || backend === 'redis') {
      expect(text.stdout).toMatch(/180000\s+\S+\s+-\s/);
    }
    const restore = await runBin([
      'quarantine',
      url,
      'orders',
      '--restore',
      '180000',
    ]);
    expect(restore.status, restore.stderr).toBe(0);
    const back = JSON.parse(
      (await runBin(['savepoints', url, 'orders', '--json'])).stdout,
    ) as { live: Listed[]; quarantined: Listed[] };
    expect(back.live.map((s) => s.timestamp)).toEqual([
      60_000, 120_000, 180_000,
    ]);
    expect(back.quarantined).toEqual([]);
  });

  it('--restore behind a newer live savepoint is E_NOT_MONOTONIC, exit 1, nothing changed; nothing quarantined is E_NO_SAVEPOINT, exit 1', async () => {
    const url = freshUrl(backend);
    await fill(url);
    await runBin(['quarantine', url, 'orders', '--at', '60000']);
    const refused = await runBin([
      'quarantine',
      url,
      'orders',
      '--restore',
      '60000',
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('E_NOT_MONOTONIC');
    const listed = await runBin(['quarantine', url, 'orders', '--json']);
    expect((JSON.parse(listed.stdout) as Listed[]).length).toBe(1);
    const none = await runBin(['quarantine', url, 'orders', '--restore', '5']);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('E_NO_SAVEPOINT');
  });

  it('delete of a run that is not there: exit 1', async () => {
    const url = freshUrl(backend);
    await fill(url);
    expect((await runBin(['delete', url, 'nope', '--yes'])).status).toBe(1);
  });
});
