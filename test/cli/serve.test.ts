import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { runCli } from 'runstate/cli';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cleanUp, fill, freshUrl, runBin } from './support.js';

const bin = fileURLToPath(new URL('../../bin/runstate.js', import.meta.url));

/** A running `runstate serve`, its base URL and what it wrote. */
interface Serving {
  readonly child: ChildProcess;
  readonly base: string;
  readonly stderr: () => string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
});
afterAll(cleanUp);

/** Spawn the real bin with `serve …args` and wait for the URL it prints. */
async function startServe(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<Serving> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
    child.on('exit', (code) =>
      reject(new Error(`serve exited with ${code}: ${stderr}`)),
    );
  });
  return { child, base, stderr: () => stderr };
}

/** Send `signal` and wait for the exit code. */
async function stop(serving: Serving, signal: NodeJS.Signals) {
  const exited = once(serving.child, 'exit');
  serving.child.kill(signal);
  const [code, by] = (await exited) as [number | null, string | null];
  return { code, by };
}

describe('runstate serve', () => {
  it('serves the API over a read-only storage and stops cleanly on SIGTERM', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const serving = await startServe([url, '--port', '0']);
    expect(serving.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const runs = (await (await fetch(`${serving.base}/api/runs`)).json()) as {
      runs: { runId: string; savepoints: number }[];
    };
    expect(runs.runs.map((r) => [r.runId, r.savepoints])).toEqual([
      ['empty', 0],
      ['orders', 3],
    ]);
    const entity = await fetch(
      `${serving.base}/api/runs/orders/savepoints/180000/entities/totals`,
    );
    expect(await entity.json()).toEqual({
      $: 'Map',
      entries: [
        ['apple', 3],
        [7, { $: 'bigint', value: '3' }],
      ],
    });
    const page = await fetch(`${serving.base}/`);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await stop(serving, 'SIGTERM')).toEqual({ code: 0, by: null });
    expect(serving.stderr()).toContain('read-only');
    expect(serving.stderr()).toContain('SIGTERM: stopping');
    expect(serving.stderr()).not.toMatch(/error|warning/i);
  }, 60_000);

  it('stops cleanly on SIGINT (Ctrl-C)', async () => {
    const url = freshUrl('file');
    await fill(url);
    const serving = await startServe([url, '--port', '0', '--json']);
    const { url: printed } = JSON.parse(serving.base) as { url: string };
    expect(printed).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await stop(serving, 'SIGINT')).toEqual({ code: 0, by: null });
  }, 60_000);

  it('requires the token given by --token or $RUNSTATE_ADMIN_TOKEN', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    for (const [args, env] of [
      [['--token', 's3cret'], {}],
      [[], { RUNSTATE_ADMIN_TOKEN: 's3cret' }],
    ] as const) {
      const serving = await startServe([url, '--port', '0', ...args], env);
      expect((await fetch(`${serving.base}/api/runs`)).status).toBe(401);
      const ok = await fetch(`${serving.base}/api/runs`, {
        headers: { authorization: 'Bearer s3cret' },
      });
      expect(ok.status).toBe(200);
      expect((await stop(serving, 'SIGTERM')).code).toBe(0);
    }
  }, 60_000);

  it('warns when bound beyond loopback without a token', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const serving = await startServe([url, '--host', '0.0.0.0', '--port', '0']);
    await expect
      .poll(serving.stderr, { timeout: 10_000 })
      .toMatch(/warning: 0\.0\.0\.0 is not loopback/);
    expect((await stop(serving, 'SIGTERM')).code).toBe(0);
  }, 60_000);

  it('exits 2 for a bad port and 1 for a storage that does not exist', async () => {
    const url = freshUrl('sqlite');
    const bad = await runBin(['serve', url, '--port', '70000']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--port must be 0-65535/);
    const missing = await runBin(['serve', url, '--port', '0']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/E_STORAGE: storage .* does not exist/);
  }, 60_000);

  it('runs in-process until io.signal aborts, never writing', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const controller = new AbortController();
    let out = '';
    const io = {
      stdout: { write: (t: string) => ((out += t), true) },
      stderr: { write: () => true },
      env: {},
      signal: controller.signal,
    } as unknown as Parameters<typeof runCli>[1];
    const done = runCli(['serve', url, '--port', '0'], io);
    await expect.poll(() => out, { timeout: 30_000 }).toMatch(/^http/);
    const res = await fetch(`${out.trim()}/api/runs/orders/savepoints`);
    expect(res.status).toBe(200);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const write = await fetch(`${out.trim()}/api/runs`, { method });
      expect(write.status).toBe(404);
    }
    controller.abort();
    expect(await done).toBe(0);
  }, 60_000);
});
