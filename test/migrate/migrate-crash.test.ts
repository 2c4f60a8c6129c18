/**
 * `migrateRun` is crash-atomic, on every backend: a child process
 * migrating many runs is killed with SIGKILL at a random instant; every run then has its three
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
import { BACKENDS } from '../lease/process/lease-backends.js';
import { tsChildArgs } from '../support/ts-child.js';
import { chain, writeRuns } from './migrate-fixture.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'migrate-child.ts');
const RUNS = 200;

const removals: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const remove of removals.splice(0)) await remove();
});

/** Start the child; SIGKILL it once it reports `afterRuns` runs migrated. */
function killMidway(kind: string, target: string, afterRuns: number) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, tsChildArgs(CHILD, kind, target), {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const done = [...out.matchAll(/migrated (\d+)/g)].at(-1)?.[1];
      if (Number(done ?? 0) >= afterRuns) child.kill('SIGKILL');
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

/** A backend: why it is skipped, a fresh target, how to open it. */
interface Kind {
  readonly kind: string;
  readonly skip: string | undefined;
  create(): Promise<{ target: string; remove: () => Promise<void> }>;
  open(target: string): Promise<StorageAdapter>;
}

const KINDS: Kind[] = [
  ...BACKENDS.map((b) => ({
    kind: b.name,
    skip: b.skip,
    create: () => Promise.resolve(b.create()),
    open: (target: string) => b.open(target),
  })),
  {
    kind: 'file',
    skip: undefined,
    async create() {
      const dir = await mkdtemp(join(tmpdir(), 'runstate-migrate-crash-'));
      const remove = () => rm(dir, { recursive: true, force: true });
      return { target: join(dir, 'files'), remove };
    },
    open: (directory) => FileStorage.open({ directory }),
  },
];

describe.each(KINDS)('migrateRuns() killed with SIGKILL ($kind)', (k) => {
  it.skipIf(k.skip !== undefined)(
    'leaves every savepoint old or migrated, never lost or half-written',
    async () => {
      const { target, remove } = await k.create();
      removals.push(remove);
      {
        await using storage = await k.open(target);
        await writeRuns(storage, RUNS, 2);
      }
      const afterRuns = 5 + Math.floor(Math.random() * (RUNS / 2));
      const out = await killMidway(k.kind, target, afterRuns);
      await using storage = await k.open(target);
      const before = await checkIntact(storage);
      expect(out).not.toContain('done'); // killed mid-migration
      expect(before).toBeGreaterThanOrEqual(afterRuns);
      expect(before).toBeLessThan(RUNS);
      const report = await migrateRuns(storage, chain);
      expect(report.counts.failed).toBe(0);
      expect(report.counts.migrated + report.counts.current).toBe(RUNS);
      expect(await checkIntact(storage)).toBe(RUNS);
    },
    60_000,
  );
});
