/**
 * Contract probes of docs/cli.md "Output and exit codes": every error,
 * commander's parse errors included, is `runstate: error CODE: message` on
 * stderr (JSON with --json), with exit 2 for bad usage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, fill, freshUrl, runBin } from '../cli/support.js';

afterAll(cleanUp);

describe('runstate: usage errors are printed as every error is', () => {
  it('an unknown option: exit 2, `runstate: error E_USAGE: …` naming it, nothing on stdout', async () => {
    const r = await runBin(['runs', 'a.sqlite', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^runstate: error E_USAGE: .*--bogus/);
  });

  it('an unknown command: exit 2, `runstate: error E_USAGE: …` naming it', async () => {
    const r = await runBin(['nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^runstate: error E_USAGE: .*'nope'/);
  });

  it('a missing argument or required option: exit 2, E_USAGE naming it', async () => {
    const missing = await runBin(['show', 'a.sqlite']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^runstate: error E_USAGE: .*'run'/);
    const keep = await runBin(['prune', 'a.sqlite', 'orders']);
    expect(keep.status).toBe(2);
    expect(keep.stderr).toMatch(/^runstate: error E_USAGE: .*--keep/);
  });

  it('with --json, an unknown option is {"error":{code,message,details}} on stderr', async () => {
    const r = await runBin(['runs', 'a.sqlite', '--json', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(r.stderr) as {
      error: { code: string; message: string; details: unknown };
    };
    expect(doc.error.code).toBe('E_USAGE');
    expect(doc.error.message).toContain('--bogus');
    expect(doc.error).toHaveProperty('details');
  });

  it('--help and --version still succeed (exit 0, on stdout)', async () => {
    const help = await runBin(['verify', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Examples:');
    const version = await runBin(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('delete without --yes: exit 2, E_USAGE, the run still there', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const r = await runBin(['delete', url, 'orders']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^runstate: error E_USAGE: /);
    const runs: unknown = JSON.parse(
      (await runBin(['runs', url, '--json'])).stdout,
    );
    expect(runs).toHaveLength(2);
  });
});
