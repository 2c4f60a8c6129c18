/**
 * The write lock of FileStorage across processes: a second live process
 * writing the same run gets E_LOCKED (either way round), a lock left by a
 * SIGKILLed writer is taken over, and a lock this process cannot judge (or
 * that was taken from it) refuses writes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/index.js';
import { FileStorage } from '../../../src/storage/file/index.js';
import { savepoint } from '../../../src/testing/fixture.js';
import { tsChildArgs } from '../../support/ts-child.js';
import { runDir, tempDir } from './file-fixture.js';

const CHILD = fileURLToPath(new URL('./file-lock-child.ts', import.meta.url));
/** tsx compiles the child on a cold cache. */
const CHILD_TIMEOUT_MS = 30_000;
const RUN = 'locked-run';

interface Child {
  readonly process: ChildProcess;
  /** Every complete line printed so far. */
  readonly lines: readonly string[];
  /** The first line (printed already or later) that `match` accepts. */
  next(match: (line: string) => boolean): Promise<string>;
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
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
    const parts = stdout.split('\n');
    stdout = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      for (const wake of waiters) wake();
      resolve();
    }),
  );
  const next = (match: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no such line in ${CHILD_TIMEOUT_MS} ms: ${stderr}`));
      }, CHILD_TIMEOUT_MS);
      function check(): void {
        const found = lines.find(match);
        if (found === undefined && !exited) return;
        clearTimeout(timer);
        waiters.delete(check);
        if (found === undefined) {
          reject(new Error(`child exited: ${lines.join('|')} ${stderr}`));
        } else resolve(found);
      }
      waiters.add(check);
      check();
    });
  return { process: child, lines, next, exited: exit };
}

const firstLine = (child: Child) => child.next(() => true);

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

  it('refuses a second live writer with E_LOCKED; once that writer is SIGKILLed mid-stream, takes its lock over and finds only intact savepoints', async () => {
    const holder = startChild(directory, 'hold', 1);
    try {
      expect(await firstLine(holder)).toBe(`held ${holder.process.pid}`);
      const logger = recordingLogger();
      await using storage = await FileStorage.open({ directory, logger });
      await expect(
        storage.writeSavepoint(RUN, savepoint(1e9), { keep: 5 }),
      ).rejects.toMatchObject({
        name: 'RunStateError',
        code: 'E_LOCKED',
        details: { runId: RUN, pid: holder.process.pid, host: hostname() },
      });
      // Reading, and writing other runs, need no lock of that run.
      expect(await storage.readSavepoint(RUN)).toBeDefined();
      await storage.writeSavepoint('other', savepoint(1), { keep: 1 });

      // Let it write a few savepoints, then kill it, likely mid-write.
      await holder.next((line) => line === 'end 4');
      holder.process.kill('SIGKILL');
      await holder.exited;
      const ended = Math.max(
        ...holder.lines.map((l) => Number(/^end (\d+)$/.exec(l)?.[1] ?? 0)),
      );
      const live = await storage.listSavepoints(RUN);
      expect(live.at(-1)).toBeGreaterThanOrEqual(ended);
      expect(live.length).toBeLessThanOrEqual(3); // keep 2, + 1 mid-prune
      for (const ts of live) {
        const read = await storage.readSavepoint(RUN, ts);
        expect(read?.entries).toHaveLength(100);
        expect(read?.entries[99]?.[1][9_999]).toBe((ts + 99) % 256);
      }

      const next = (live.at(-1) ?? 0) + 1;
      await storage.writeSavepoint(RUN, savepoint(next), { keep: 2 });
      expect(await storage.listSavepoints(RUN)).toEqual([live.at(-1), next]);
      const names = await readdir(runDir(directory, RUN));
      expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
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
    expect(await firstLine(startChild(directory, 'try', 2))).toBe(
      'error E_LOCKED',
    );
    await storage.close();
    expect(await firstLine(startChild(directory, 'try', 2))).toBe('ok');
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
    ['pid 0 (which would signal our own process group)', { pid: 0 }],
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
