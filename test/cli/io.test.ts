import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { painter, useColor, type CliIo } from '../../src/cli/io.js';
import { startProgress } from '../../src/cli/progress.js';

/** A stream that collects what is written, posing as a terminal or not. */
function sink(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 80 });
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
  return { stream, text: () => text };
}

const io = (tty: boolean, env: Record<string, string | undefined> = {}) => {
  const out = sink(tty);
  const err = sink(tty);
  const cli: CliIo = { stdout: out.stream, stderr: err.stream, env };
  return { cli, out, err };
};

describe('colour', () => {
  it('is on only for a terminal without NO_COLOR', () => {
    expect(useColor(io(true).cli.stdout, io(true).cli)).toBe(true);
    const noColor = io(true, { NO_COLOR: '1' }).cli;
    expect(useColor(noColor.stdout, noColor)).toBe(false);
    const pipe = io(false).cli;
    expect(useColor(pipe.stdout, pipe)).toBe(false);
    const dumb = io(true, { TERM: 'dumb' }).cli;
    expect(useColor(dumb.stdout, dumb)).toBe(false);
  });

  it('paints with ANSI codes only when colour is on', () => {
    const on = io(true).cli;
    const off = io(true, { NO_COLOR: 'yes' }).cli;
    expect(painter(on.stdout, on)('red', 'FAIL')).toBe(
      '\u001b[31mFAIL\u001b[0m',
    );
    expect(painter(off.stdout, off)('red', 'FAIL')).toBe('FAIL');
  });
});

describe('the copy progress bar', () => {
  const step = (done: number) => ({
    runId: 'orders',
    timestamp: done,
    done,
    total: 4,
  });

  it('draws on stderr when it is a terminal, never on stdout', async () => {
    const { cli, out, err } = io(true);
    const progress = startProgress(cli, false);
    for (const done of [1, 2, 3, 4]) progress.update(step(done));
    progress.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(err.text()).toContain('orders');
    expect(out.text()).toBe('');
  });

  it('draws nothing off a terminal or with --json', async () => {
    for (const [tty, json] of [
      [false, false],
      [true, true],
    ] as const) {
      const { cli, out, err } = io(tty);
      const progress = startProgress(cli, json);
      progress.update(step(1));
      progress.stop();
      await new Promise((resolve) => setImmediate(resolve));
      expect(err.text() + out.text()).toBe('');
    }
  });
});
