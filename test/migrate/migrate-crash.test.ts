/**
 * `migrateRun` is crash-atomic: a child process migrating many runs is
 * killed with SIGKILL at a random instant; every run then has its three
 * live savepoints, the newest either still at version 0 with its old
 * states or at version 2 with the migrated ones, never half-written; and
 * migrating again finishes the job.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultCodec,
  migrateRuns,
  type StorageAdapter,
} from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import { SqliteStorage } from '../../src/storage/sqlite/index.js';
import { tsChildArgs } from '../support/ts-child.js';
import { chain, writeRuns } from './migrate-fixture.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'migrate-child.ts');
const RUNS = 200;

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Start the child; SIGKILL it `delayMs` after it reports `started`. */
function killMidway(kind: string, path: string, delayMs: number) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, tsChildArgs(CHILD, kind, path), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('started')) {
        setTimeout(() => child.kill('SIGKILL'), delayMs).unref();
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

/** Every run intact: 3 live savepoints, the newest old or migrated. */
async function checkIntact(storage: StorageAdapter): Promise<number> {
  let migrated = 0;
  for (let r = 0; r < RUNS; r++) {
    const runId = `run-${r}`;
    expect(await storage.listSavepoints(runId)).toEqual([60, 120, 180]);
    const sp = await storage.readSavepoint(runId);
    const states = new Map(
      sp!.entries.map(([id, b]) => [id, defaultCodec.decode(b)]),
    );
    const n = r * 1000 + 180;
    if (sp!.meta?.version === 2) {
      migrated++;
      expect(states.get('e0')).toEqual({ total: n * 10, unit: 'kg' });
    } else {
      expect(sp!.meta?.version).toBe(0);
      expect(states.get('e0')).toEqual({ n });
    }
  }
  return migrated;
}

const KINDS: [string, (dir: string) => Promise<StorageAdapter>, string][] = [
  [
    'sqlite',
    (dir) => SqliteStorage.open({ path: join(dir, 'db.sqlite') }),
    'db.sqlite',
  ],
  [
    'file',
    (dir) => FileStorage.open({ directory: join(dir, 'files') }),
    'files',
  ],
];

describe.each(KINDS)(
  'migrateRuns() killed with SIGKILL (%s)',
  (kind, open, name) => {
    it('leaves every savepoint old or migrated, never lost or half-written', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'runstate-migrate-crash-'));
      dirs.push(dir);
      {
        await using storage = await open(dir);
        await writeRuns(storage, RUNS, 2);
      }
      const out = await killMidway(
        kind,
        join(dir, name),
        150 + Math.random() * 400,
      );
      await using storage = await open(dir);
      const before = await checkIntact(storage);
      if (!out.includes('done')) expect(before).toBeLessThan(RUNS);
      const report = await migrateRuns(storage, chain);
      expect(report.counts.failed).toBe(0);
      expect(report.counts.migrated + report.counts.current).toBe(RUNS);
      expect(await checkIntact(storage)).toBe(RUNS);
    }, 60_000);
  },
);
