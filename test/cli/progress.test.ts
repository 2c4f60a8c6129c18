/**
 * The progress bar of `runstate copy` and `runstate migrate` on a real
 * terminal: the bin runs under `script`, which gives it a pseudo-terminal
 * (stdout and stderr are TTYs). Without a terminal, or with --json, no bar
 * is drawn (`copy.test.ts` and `migrate.test.ts` read that output).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUp, fill, freshUrl, runBin } from './support.js';

afterAll(cleanUp);

const bin = fileURLToPath(new URL('../../bin/runstate.js', import.meta.url));
const hasScript = spawnSync('script', ['--version']).status === 0;
if (!hasScript) {
  console.warn('SKIPPED: the progress bar tests need util-linux `script`');
}

const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** Run the bin on a pseudo-terminal; everything it wrote, raw. */
function onTerminal(args: readonly string[], env: Record<string, string>) {
  const command = [process.execPath, bin, ...args].map(quote).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', TERM: 'xterm', ...env },
    timeout: 120_000,
  });
  return { status: result.status, output: result.stdout };
}

describe.skipIf(!hasScript)('the progress bar on a terminal', () => {
  it('copy draws it on a terminal (value/total, run id), then clears it; never with --json', async () => {
    const source = freshUrl('sqlite');
    await fill(source);
    const all = ['copy', '--from', source, '--all'];
    const drawn = onTerminal([...all, '--to', freshUrl('sqlite')], {});
    expect(drawn.status).toBe(0);
    expect(drawn.output).toMatch(/copying [█░]+ 0\/\d+ savepoints {2}orders/);
    expect(drawn.output).toMatch(/copying █+ (\d+)\/\1 savepoints/);
    expect(drawn.output).toContain('\u001b[2K'); // cleared on completion
    const plain = onTerminal([...all, '--to', freshUrl('sqlite')], {
      NO_COLOR: '1',
    });
    expect(plain.output).toMatch(/copying [#-]+ \d+\/\d+ savepoints/);
    const json = onTerminal([...all, '--to', freshUrl('sqlite'), '--json'], {});
    expect(json.status).toBe(0);
    expect(json.output).not.toContain('copying');
  });

  it('migrate draws it on a terminal: checking with --dry-run, migrating without', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const chain = ['--migrations', 'test/cli/fixtures/migrations.ts'];
    const dry = onTerminal(['migrate', url, ...chain, '--dry-run'], {});
    expect(dry.status).toBe(0);
    expect(dry.output).toMatch(/checking [█░]+ \d+\/\d+ runs/);
    const real = onTerminal(['migrate', url, ...chain], {});
    expect(real.status).toBe(0);
    expect(real.output).toMatch(/migrating █+ (\d+)\/\1 runs/);
  });

  it('copy without a terminal draws no bar', async () => {
    const source = freshUrl('sqlite');
    await fill(source);
    const piped = await runBin([
      'copy',
      '--from',
      source,
      '--all',
      '--to',
      freshUrl('sqlite'),
    ]);
    expect(piped.status).toBe(0);
    expect(piped.stderr).not.toContain('copying');
  });
});
