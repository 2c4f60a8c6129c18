/**
 * Contract probes of docs/cli.md: read commands open read-only and create
 * nothing; timestamps as epoch ms or ISO dates; verify's FAIL lines.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCodec } from 'runstate';
import { openStorageUrl } from 'runstate/cli';
import { cleanUp, fill, freshUrl, runBin } from '../cli/support.js';

afterAll(cleanUp);

const scratch = mkdtempSync(join(tmpdir(), 'rs-contract-read-'));

describe('read commands create nothing', () => {
  const missing = [
    ['sqlite', join(scratch, 'none.sqlite')],
    ['file', join(scratch, 'none-dir')],
  ] as const;
  for (const [kind, path] of missing) {
    it(`a ${kind} store that does not exist: exit 1 for runs, savepoints, show, verify, export, copy --from; nothing created`, async () => {
      const url = `${kind}:${path}`;
      const target = freshUrl('sqlite');
      for (const args of [
        ['runs', url],
        ['savepoints', url, 'r'],
        ['show', url, 'r'],
        ['verify', url, '--all'],
        ['export', url, 'r'],
        ['copy', '--from', url, '--to', target, '--all'],
      ]) {
        const r = await runBin(args);
        expect(r.status, args.join(' ')).toBe(1);
        expect(existsSync(path), args.join(' ')).toBe(false);
      }
    }, 120_000);
  }
});

describe('timestamps and verify', () => {
  it('--at, TS1 and TS2 take epoch milliseconds or ISO dates alike', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const byMs = await runBin([
      'show',
      url,
      'orders',
      '--at',
      '120000',
      '--json',
    ]);
    const byIso = await runBin([
      'show',
      url,
      'orders',
      '--at',
      '1970-01-01T00:02:00.000Z',
      '--json',
    ]);
    expect(byMs.status).toBe(0);
    expect(byIso.stdout).toBe(byMs.stdout);
    const diffMs = await runBin([
      'diff',
      url,
      'orders',
      '60000',
      '180000',
      '--json',
    ]);
    const diffIso = await runBin([
      'diff',
      url,
      'orders',
      '1970-01-01T00:01:00Z',
      '1970-01-01T00:03:00Z',
      '--json',
    ]);
    expect(diffMs.status).toBe(0);
    expect(diffIso.stdout).toBe(diffMs.stdout);
  });

  it('a bad timestamp is a usage error (exit 2) naming the option and value', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const r = await runBin(['show', url, 'orders', '--at', 'yesterday']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^runstate: error E_USAGE: .*--at.*"yesterday"/);
  });

  it('verify: a damaged state is one FAIL line naming run, savepoint (with date), entity and reason; exit 1', async () => {
    const url = freshUrl('sqlite');
    {
      await using storage = await openStorageUrl(url);
      const good = defaultCodec.encode({ ok: true });
      const bad = new Uint8Array(good);
      bad[bad.length - 1]! ^= 0xff;
      await storage.writeSavepoint(
        'shop',
        {
          timestamp: 1767261540000,
          entries: [
            ['counts', bad],
            ['fine', good],
          ],
        },
        { keep: 1 },
      );
    }
    const r = await runBin(['verify', url, '--all']);
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(
      /FAIL run "shop" savepoint 1767261540000 \(2026-01-01T09:59:00\.000Z\) entity "counts": E_CORRUPTED /,
    );
  });
});
