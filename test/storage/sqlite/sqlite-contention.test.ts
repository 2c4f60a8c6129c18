/**
 * SqliteStorage.open under contention from other processes (issue 11,
 * defect 2): switching a new file to WAL and creating the schema wait for
 * another connection's lock up to `busyTimeoutMs`, as `busy_timeout` does for
 * every other statement, instead of failing at once with `SQLITE_BUSY`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../../src/storage/sqlite/index.js';
import { tsChildArgs } from '../../support/ts-child.js';

const CHILD = fileURLToPath(
  new URL('./sqlite-contention-child.ts', import.meta.url),
);
/** tsx compiles the child on a cold cache, on a busy machine. */
const CHILD_TIMEOUT_MS = 60_000;

interface Child {
  readonly process: ChildProcess;
  /** The first line printed that starts with one of `prefixes`. */
  line(...prefixes: string[]): Promise<string>;
}

const children: ChildProcess[] = [];

function startChild(path: string, mode: 'hold' | 'open', ms: number): Child {
  const child = spawn(
    process.execPath,
    tsChildArgs(CHILD, path, mode, `${ms}`),
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<void>((resolve) => child.on('exit', resolve));
  const line = (...prefixes: string[]) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ${prefixes.join('/')} line: ${out} ${err}`));
      }, CHILD_TIMEOUT_MS);
      const check = (): void => {
        const found = out
          .split('\n')
          .find((l) => prefixes.some((p) => l.startsWith(p)));
        if (found === undefined) return;
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(found);
      };
      child.stdout.on('data', check);
      void exited.then(() => {
        check();
        clearTimeout(timer);
        reject(new Error(`child exited: ${out} ${err}`));
      });
      check();
    });
  return { process: child, line };
}

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runstate-sqlite-busy-'));
  path = join(dir, 'state.db');
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
  await rm(dir, { recursive: true, force: true });
});

describe('SqliteStorage.open() under contention', () => {
  it('waits while another process briefly holds the write lock on a new file', async () => {
    const holder = startChild(path, 'hold', 300);
    await holder.line('locked');
    await using storage = await SqliteStorage.open({
      path,
      busyTimeoutMs: 10_000,
    });
    await storage.writeSavepoint(
      'r',
      { timestamp: 1, entries: [['e', new Uint8Array([7])]] },
      { keep: 1 },
    );
    expect(await storage.listSavepoints('r')).toEqual([1]);
    expect(storage.readOnly).toBe(false);
  }, 120_000);

  it('fails with E_STORAGE (SQLITE_BUSY) once busyTimeoutMs has passed, not before', async () => {
    const holder = startChild(path, 'hold', 60_000);
    await holder.line('locked');
    const started = performance.now();
    await expect(
      SqliteStorage.open({ path, busyTimeoutMs: 400 }),
    ).rejects.toMatchObject({
      code: 'E_STORAGE',
      cause: { code: expect.stringMatching(/^SQLITE_BUSY/) as unknown },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
  }, 120_000);

  it('lets several processes open one new file at the same instant', async () => {
    // Two processes switching one new file to WAL together is a race of
    // microseconds: ten rounds of five processes make it likely, while the
    // test above pins the waiting deterministically.
    const rounds = 10;
    const openers = Array.from({ length: 5 }, () =>
      startChild(path, 'open', 20_000),
    );
    await Promise.all(openers.map((c) => c.line('ready')));
    const go = `go ${Date.now() + 200} ${rounds}\n`;
    for (const c of openers) c.process.stdin?.write(go);
    const results = await Promise.all(
      openers.map((c) => c.line('ok', 'error')),
    );
    expect(results).toEqual(openers.map(() => 'ok'));
    const runs = openers.map((c) => `run-${c.process.pid}`).sort();
    for (let round = 0; round < rounds; round++) {
      await using storage = await SqliteStorage.open({
        path: `${path}.${round}`,
        readOnly: true,
      });
      expect(await storage.listRuns()).toEqual(runs);
    }
  }, 120_000);
});
