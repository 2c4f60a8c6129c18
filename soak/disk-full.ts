/**
 * Soak part "disk full": SQLite and file storage on a small tmpfs (mounted
 * here; needs root). Each cycle writes savepoints, fills the disk with a
 * filler file, and writes a savepoint that cannot fit: the write must fail
 * with a typed error (`E_STORAGE`) whose cause is the OS's (ENOSPC, or SQLITE_FULL, which
 * is SQLite's name for it), the older savepoints must read back intact (also
 * from a new instance), and once the filler is gone writes must resume on
 * the same instance.
 */
import { execFileSync } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  isRunStateError,
  type StorageAdapter,
  type StoredSavepoint,
} from 'runstate';
import { FileStorage } from 'runstate/file';
import { SqliteStorage } from 'runstate/sqlite';

/** The backends on a small disk. */
export type DiskBackend = 'sqlite' | 'file';

/** What the cycles of one backend saw. */
export interface DiskFullResult {
  readonly backend: DiskBackend;
  readonly cycles: number;
  /** Writes refused for lack of space, each typed with the OS cause. */
  readonly refused: number;
  /** The causes' codes, counted. */
  readonly causes: Readonly<Record<string, number>>;
  /** Refusals that were not a RunStateError with such a cause. */
  readonly untyped: readonly string[];
  /** Cycles where an older savepoint was missing or changed afterwards. */
  readonly damaged: number;
  /** Cycles where the write after freeing space succeeded. */
  readonly resumed: number;
}

const KEEP = 3;
const TMPFS_MB = 8;

/** A savepoint whose bytes are derived from its timestamp. */
function savepoint(timestamp: number, kb: number): StoredSavepoint {
  const entries = Array.from({ length: 4 }, (_, e) => {
    const bytes = new Uint8Array(kb * 256);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = (timestamp * 31 + e * 7 + i) & 0xff;
    }
    return [`entity-${e}`, bytes] as const;
  });
  return { timestamp, entries };
}

const plain = (sp: StoredSavepoint | undefined) =>
  sp?.entries.map(([id, b]) => [id, Buffer.from(b).toString('base64')]);

function open(backend: DiskBackend, dir: string, readOnly = false) {
  return backend === 'sqlite'
    ? SqliteStorage.open({ path: join(dir, 'run.db'), readOnly })
    : FileStorage.open({ directory: join(dir, 'files'), readOnly });
}

/** Mount a tmpfs of `mb` MiB; returns its path. */
export function mountTmpfs(mb: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'soak-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m`, 'tmpfs', dir]);
  return dir;
}

export function unmount(dir: string): void {
  execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Whether the live savepoints are exactly `expected`, byte for byte. */
async function intact(
  storage: StorageAdapter,
  expected: readonly number[],
): Promise<boolean> {
  const live = await storage.listSavepoints('run');
  if (!isDeepStrictEqual(live, expected)) return false;
  for (const ts of live) {
    const read = await storage.readSavepoint('run', ts);
    if (!isDeepStrictEqual(plain(read), plain(savepoint(ts, 64)))) return false;
  }
  return true;
}

/** Run `cycles` disk-full cycles of `backend` on a fresh tmpfs. */
export async function diskFull(
  backend: DiskBackend,
  cycles: number,
): Promise<DiskFullResult> {
  const dir = mountTmpfs(TMPFS_MB);
  const causes: Record<string, number> = {};
  const untyped: string[] = [];
  let refused = 0;
  let damaged = 0;
  let resumed = 0;
  let ts = 0;
  const storage = await open(backend, dir);
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (let i = 0; i < KEEP; i++) {
        await storage.writeSavepoint('run', savepoint(++ts, 64), {
          keep: KEEP,
        });
      }
      const before = await storage.listSavepoints('run');
      const filler = join(dir, 'filler');
      // Bigger than every file there: SQLite reuses the space of its WAL
      // and of freed pages, so a write no bigger could fit without the disk.
      const bigKb = Math.ceil(usedBytes(dir) / 1024) + 1024;
      const { bavail, bsize } = statfsSync(dir);
      writeFileSync(
        filler,
        Buffer.alloc(Math.max(0, bavail * bsize - 64 * 1024)),
      );
      try {
        await storage.writeSavepoint('run', savepoint(ts + 1, bigKb), {
          keep: KEEP,
        });
        untyped.push(`cycle ${cycle}: a ${bigKb} KiB write fitted into 64 KiB`);
      } catch (error) {
        refused++;
        const code = causeCode(error);
        causes[code ?? 'none'] = (causes[code ?? 'none'] ?? 0) + 1;
        if (!isRunStateError(error, 'E_STORAGE') || code === undefined) {
          untyped.push(`cycle ${cycle}: ${String(error)}`);
        }
      }
      const reader = await open(backend, dir, true);
      const ok =
        (await intact(storage, before)) && (await intact(reader, before));
      await reader.close();
      if (!ok) damaged++;
      rmSync(filler);
      try {
        ts = Math.max(ts, ...(await storage.listSavepoints('run'))) + 1;
        await storage.writeSavepoint('run', savepoint(ts, 64), { keep: KEEP });
        if ((await storage.newestTimestamp('run')) === ts) resumed++;
      } catch (error) {
        untyped.push(`cycle ${cycle} after freeing space: ${String(error)}`);
      }
    }
  } finally {
    await storage.close();
    unmount(dir);
  }
  return { backend, cycles, refused, causes, untyped, damaged, resumed };
}

/** Bytes of every file under `dir`. */
function usedBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce(
      (sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size,
      0,
    );
}

/** ENOSPC, SQLITE_FULL…: the code of the first cause that has one. */
function causeCode(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(ENOSPC|EDQUOT|SQLITE_FULL)/.test(code)) {
      return code;
    }
  }
  return undefined;
}
