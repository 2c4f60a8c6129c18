/**
 * Contract probe of docs/cli.md "Output and exit codes": stdout carries the
 * data, so pipes work, also into a reader that stops early (`| head`).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCodec } from 'runstate';
import { openStorageUrl } from 'runstate/cli';
import { cleanUp, freshUrl } from '../cli/support.js';

afterAll(cleanUp);

const bin = fileURLToPath(new URL('../../bin/runstate.js', import.meta.url));

/** Run the bin, closing its stdout after the first chunk, as `head -c1` does. */
function runIntoHead(args: readonly string[]) {
  return new Promise<{ status: number | null; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args]);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stderr }));
    },
  );
}

describe('runstate: pipes', () => {
  it('export into a reader that stops early ends quietly (no EPIPE stack trace), exit 0', async () => {
    const url = freshUrl('sqlite');
    {
      await using storage = await openStorageUrl(url);
      const big = Array.from({ length: 200 }, (_, i): [string, Uint8Array] => [
        `e${i}`,
        defaultCodec.encode('x'.repeat(20_000)),
      ]);
      await storage.writeSavepoint(
        'big',
        { timestamp: 1, entries: big },
        { keep: 1 },
      );
    }
    const r = await runIntoHead(['export', url, 'big']);
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.status).toBe(0);
  });
});
