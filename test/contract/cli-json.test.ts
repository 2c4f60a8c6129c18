/**
 * Contract probes of docs/cli.md: `--json` on every command prints one JSON
 * document on stdout, with the documented shapes.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, fill, freshUrl, runBin } from '../cli/support.js';

afterAll(cleanUp);

let url: string;
beforeAll(async () => {
  url = freshUrl('sqlite');
  await fill(url);
});

const json = async (args: string[]): Promise<unknown> => {
  const r = await runBin([...args, '--json']);
  expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
};

describe('runstate --json', () => {
  it('savepoints: { runId, live: [...], quarantined: [...] }', async () => {
    const doc = (await json(['savepoints', url, 'orders'])) as {
      runId: string;
      live: { timestamp: number }[];
      quarantined: unknown[];
    };
    expect(doc.runId).toBe('orders');
    expect(doc.live.map((s) => s.timestamp)).toEqual([
      60_000, 120_000, 180_000,
    ]);
    expect(doc.quarantined).toEqual([]);
  });

  it('verify: the report { ok, checked, failures }', async () => {
    expect(await json(['verify', url, '--all'])).toEqual({
      ok: true,
      checked: { runs: 2, savepoints: 3, entities: 6 },
      failures: [],
    });
  });

  it('export -o FILE --json: one JSON document on stdout, the file written', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rs-export-')), 'o.ndjson');
    const doc = await json(['export', url, 'orders', '-o', file]);
    expect(doc).toEqual({
      runId: 'orders',
      timestamp: 180_000,
      entities: 2,
      output: file,
    });
    expect(existsSync(file)).toBe(true);
    const header = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as {
      timestamp: number;
    };
    expect(header.timestamp).toBe(180_000);
  });

  it('import --json: { runId, timestamp, entities }', async () => {
    const exported = (await runBin(['export', url, 'orders'])).stdout;
    const target = freshUrl('sqlite');
    const r = await runBin(
      ['import', '-', '--to', target, '--run', 'copy', '--json'],
      exported,
    );
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      runId: 'copy',
      timestamp: 180_000,
      entities: 2,
    });
  });

  it('an error with --json: {"error":{code,message,details}} on stderr, nothing on stdout', async () => {
    const r = await runBin(['savepoints', url, 'nope', '--json']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(r.stderr) as { error: Record<string, unknown> };
    expect(Object.keys(doc.error).sort()).toEqual([
      'code',
      'details',
      'message',
    ]);
  });
});
