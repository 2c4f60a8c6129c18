/**
 * The write lock of FileStorage across processes: a second live process
 * writing the same run gets E_LOCKED (either way round), a lock left by a
 * SIGKILLed writer is taken over, and a lock this process cannot judge (or
 * that was taken from it) refuses writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/index.js';
import { FileStorage } from '../../src/storage/file.js';
import { savepoint } from '../../src/testing/fixture.js';
import { tsChildArgs } from '../support/ts-child.js';
import { runDir, tempDir } from './file-fixture.js';

const CHILD = fileURLToPath(new URL('./file-lock-child.ts', import.meta.url));
/** tsx compiles the child on a cold cache. */
const CHILD_TIMEOUT_MS = 30_000;
const RUN = 'locked-run';

interface Child {
  readonly process: ChildProcess;
  /** Resolves with the child's first line of output. */
  readonly line: Promise<string>;
  /** Resolves when the child exited. */
  readonly exited: Promise<void>;
}

function startChild(
  directory: string,
  mode: 'hold' | 'try',
  timestamp: number,
): Child {
  const child = spawn(
    process.execPath,
    tsChildArgs(CHILD, directory, RUN, mode, String(timestamp)),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const line = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child printed nothing: ${stderr}`));
    }, CHILD_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    child.on('exit', () => {
      clearTimeout(timer);
      if (!stdout.includes('\n')) {
        reject(new Error(`child exited silently: ${stderr}`));
      }
    });
  });
  const exited = new Promise<void>((resolve) => child.on('exit', resolve));
  return { process: child, line, exited };
}

/** A logger that keeps its warnings. */
function recordingLogger(): Logger & {
  readonly warnings: [Readonly<Record<string, unknown>>, string][];
} {
  const noop = () => undefined;
  const warnings: [Readonly<Record<string, unknown>>, string][] = [];
  return {
    debug: noop,
    info: noop,
    error: noop,
    warn: (bindings, message) => void warnings.push([bindings, message]),
    warnings,
  };
}

describe('FileStorage write lock, across processes', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await tempDir();
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a second live writer with E_LOCKED, and takes over the lock once that writer is SIGKILLed', async () => {
    const holder = startChild(directory, 'hold', 1);
    try {
      const line = await holder.line;
      expect(line).toBe(`held ${holder.process.pid}`);
      const logger = recordingLogger();
      await using storage = await FileStorage.open({ directory, logger });
      await expect(
        storage.writeSavepoint(RUN, savepoint(2), { keep: 5 }),
      ).rejects.toMatchObject({
        name: 'RunStateError',
        code: 'E_LOCKED',
        details: { runId: RUN, pid: holder.process.pid, host: hostname() },
      });
      // Reading, and writing other runs, need no lock of that run.
      expect(await storage.listSavepoints(RUN)).toEqual([1]);
      await storage.writeSavepoint('other', savepoint(1), { keep: 1 });

      holder.process.kill('SIGKILL');
      await holder.exited;
      await storage.writeSavepoint(RUN, savepoint(2), { keep: 5 });
      expect(await storage.listSavepoints(RUN)).toEqual([1, 2]);
      expect(logger.warnings).toEqual([
        [
          expect.objectContaining({ runId: RUN }),
          'runstate took over the stale lock of a dead writer',
        ],
      ]);
    } finally {
      holder.process.kill('SIGKILL');
    }
  });

  it('gives the other process E_LOCKED while this one writes the run, and lets it write once this one closed', async () => {
    const storage = await FileStorage.open({ directory });
    await storage.writeSavepoint(RUN, savepoint(1), { keep: 5 });
    expect(await startChild(directory, 'try', 2).line).toBe('error E_LOCKED');
    await storage.close();
    expect(await startChild(directory, 'try', 2).line).toBe('ok');
    await using reader = await FileStorage.open({ directory, readOnly: true });
    expect(await reader.listSavepoints(RUN)).toEqual([1, 2]);
  });
});

describe('FileStorage write lock, in one process', () => {
  let directory: string;
  let lockFile: string;
  beforeEach(async () => {
    directory = await tempDir();
    lockFile = join(runDir(directory, RUN), 'lock');
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const fakeLock = (fields: Record<string, unknown>) =>
    writeFile(
      lockFile,
      JSON.stringify({
        pid: 1,
        host: hostname(),
        token: 'someone-else',
        createdAt: new Date(0).toISOString(),
        ...fields,
      }),
    );

  it('holds the lock from the first write until close, and removes it then', async () => {
    const storage = await FileStorage.open({ directory });
    await storage.initRun(RUN);
    const holder = JSON.parse(await readFile(lockFile, 'utf8')) as unknown;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    const other = await FileStorage.open({ directory });
    await other.writeSavepoint(RUN, savepoint(1), { keep: 1 });
    await storage.close();
    // Still used by `other`, in the same process.
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toEqual(holder);
    await other.close();
    await expect(readFile(lockFile)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a lock of another host, which it cannot judge, with E_LOCKED', async () => {
    const storage = await FileStorage.open({ directory });
    await storage.initRun('elsewhere'); // the root exists
    await storage.initRun(RUN);
    await storage.close();
    await fakeLock({ host: 'another-host', pid: 4242 });
    await using again = await FileStorage.open({ directory });
    await expect(
      again.writeSavepoint(RUN, savepoint(1), { keep: 1 }),
    ).rejects.toMatchObject({
      code: 'E_LOCKED',
      details: { host: 'another-host', pid: 4242 },
    });
    await expect(again.deleteRun(RUN)).rejects.toMatchObject({
      code: 'E_LOCKED',
    });
    expect(await again.listRuns()).toEqual(['elsewhere', RUN]);
  });

  const staleLocks: [string, Record<string, unknown>][] = [
    ['a pid that no longer exists', { pid: 2 ** 22 + 1 }],
    ['an earlier process with this pid', { pid: process.pid }],
    ['damaged contents', { pid: 'not a number' }],
  ];
  // Boot ids come from /proc, on Linux only.
  if (process.platform === 'linux') {
    staleLocks.push(['a previous boot', { pid: 1, bootId: 'before-reboot' }]);
  }

  it.each(staleLocks)('takes over a lock of %s', async (_, fields) => {
    const storage = await FileStorage.open({ directory });
    await storage.initRun(RUN);
    await storage.close();
    await fakeLock(fields);
    await using again = await FileStorage.open({ directory });
    await again.writeSavepoint(RUN, savepoint(1), { keep: 1 });
    expect(await again.listSavepoints(RUN)).toEqual([1]);
  });

  it('refuses to write once its lock was taken over, writing nothing', async () => {
    await using storage = await FileStorage.open({ directory });
    await storage.writeSavepoint(RUN, savepoint(1), { keep: 5 });
    await fakeLock({ host: 'another-host' });
    await expect(
      storage.writeSavepoint(RUN, savepoint(2), { keep: 5 }),
    ).rejects.toMatchObject({ code: 'E_LOCKED' });
    await expect(storage.prune(RUN, 1)).rejects.toMatchObject({
      code: 'E_LOCKED',
    });
    expect(await storage.listSavepoints(RUN)).toEqual([1]);
  });

  it('takes no lock when read-only', async () => {
    await using writer = await FileStorage.open({ directory });
    await writer.writeSavepoint(RUN, savepoint(1), { keep: 5 });
    const before = await readFile(lockFile, 'utf8');
    const reader = await FileStorage.open({ directory, readOnly: true });
    expect(await reader.readSavepoint(RUN)).toMatchObject({ timestamp: 1 });
    await reader.close();
    expect(await readFile(lockFile, 'utf8')).toBe(before);
    await writer.writeSavepoint(RUN, savepoint(2), { keep: 5 });
  });
});
