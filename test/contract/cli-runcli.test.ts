/**
 * Contract probes of api.md "runCli(args, io?)": returns the exit code,
 * never exits the process, never throws; io's fields default to the
 * process's.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, runCli } from 'runstate/cli';

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('runCli', () => {
  it('the exit codes are 0, 1 and 2', () => {
    expect([EXIT_OK, EXIT_FAILED, EXIT_USAGE]).toEqual([0, 1, 2]);
  });

  it('an error with io lacking env is reported and returned, never thrown', async () => {
    const err = sink();
    const out = sink();
    const code = await runCli(['runs', 'mysql://localhost/db'], {
      stdout: out.stream,
      stderr: err.stream,
    });
    expect(code).toBe(EXIT_USAGE);
    expect(err.text()).toMatch(
      /^runstate: error E_USAGE: .*mysql:\/\/localhost\/db/,
    );
    expect(out.text()).toBe('');
  });

  it('--version writes to the given stdout and returns 0', async () => {
    const out = sink();
    const err = sink();
    const code = await runCli(['--version'], {
      stdout: out.stream,
      stderr: err.stream,
      env: {},
    });
    expect(code).toBe(EXIT_OK);
    expect(out.text()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('an unknown option with --json: the JSON error on the given stderr, exit 2', async () => {
    const out = sink();
    const err = sink();
    const code = await runCli(['runs', 'x.sqlite', '--json', '--nope'], {
      stdout: out.stream,
      stderr: err.stream,
      env: {},
    });
    expect(code).toBe(EXIT_USAGE);
    expect(JSON.parse(err.text())).toMatchObject({
      error: { code: 'E_USAGE' },
    });
  });
});
