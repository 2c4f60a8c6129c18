/**
 * Peak memory of exporting and importing a 100 000-entity savepoint
 * (docs/benchmarks.md, "Export and import of a large savepoint").
 *
 * Each step runs in a child process of its own and reports its peak RSS
 * (`process.resourceUsage().maxRSS`): filling a SQLite file with one
 * savepoint of N entities × ~1 KB (bench/state-data.ts), reading that
 * savepoint with `storage.readSavepoint` alone (the floor: the stored bytes
 * every export holds), exporting it to an NDJSON file, and importing the file
 * into a new SQLite file. Run:
 *
 *   node --import tsx --conditions=runstate-source bench/export-memory.ts [N…]
 */
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { defaultCodec, exportSavepoint, importSavepoint } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import { entityId, makeState } from './state-data.js';

const MB = 1024 * 1024;

async function step(mode: string, a: string, b: string): Promise<void> {
  if (mode === 'fill') {
    await using s = await SqliteStorage.open({ path: a });
    const entries = Array.from(
      { length: Number(b) },
      (_, i) => [entityId(i), defaultCodec.encode(makeState(i, 1))] as const,
    );
    await s.writeSavepoint('big', { timestamp: 60_000, entries }, { keep: 1 });
  } else if (mode === 'read') {
    await using s = await SqliteStorage.open({ path: a, readOnly: true });
    await s.readSavepoint('big');
  } else if (mode === 'export') {
    await using s = await SqliteStorage.open({ path: a, readOnly: true });
    await pipeline(
      Readable.from(exportSavepoint(s, 'big')),
      createWriteStream(b),
    );
  } else if (mode === 'import') {
    await using s = await SqliteStorage.open({ path: b });
    await importSavepoint(s, createReadStream(a));
  }
  process.stdout.write(
    JSON.stringify({ maxRssMB: process.resourceUsage().maxRSS / 1024 }),
  );
}

function child(mode: string, a: string, b: string): number {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=runstate-source', script, mode, a, b],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { maxRssMB: number }).maxRssMB;
}

/** Peak RSS of each step for one savepoint of `entities` entities. */
export interface ExportMemoryResult {
  readonly entities: number;
  readonly fileMB: number;
  readonly fillMB: number;
  readonly readMB: number;
  readonly exportMB: number;
  readonly importMB: number;
  /** Wall time of read + export + import, seconds. */
  readonly seconds: number;
}

function measure(n: number): ExportMemoryResult {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-export-mem-'));
  try {
    const db = join(dir, 'a.sqlite');
    const file = join(dir, 'a.ndjson');
    const fillMB = child('fill', db, String(n));
    const started = Date.now();
    const readMB = child('read', db, '');
    const exportMB = child('export', db, file);
    const importMB = child('import', file, join(dir, 'b.sqlite'));
    return {
      entities: n,
      fileMB: statSync(file).size / MB,
      fillMB,
      readMB,
      exportMB,
      importMB,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Measure export and import peak memory for each size, each step in a
 * child process of its own.
 */
export function runExportMemoryBench(
  log: (line: string) => void,
  sizes: readonly number[] = [10_000, 100_000],
): ExportMemoryResult[] {
  return sizes.map((n) => {
    const r = measure(n);
    log(
      `  ${n} entities: export ${r.exportMB.toFixed(0)} MB, import ${r.importMB.toFixed(0)} MB, read alone ${r.readMB.toFixed(0)} MB`,
    );
    return r;
  });
}

const [mode, a, b] = process.argv.slice(2);
const isMain = process.argv[1] === fileURLToPath(import.meta.url);
if (
  mode === 'fill' ||
  mode === 'read' ||
  mode === 'export' ||
  mode === 'import'
) {
  await step(mode, a!, b!);
} else if (isMain) {
  const sizes = process.argv.slice(2).map(Number);
  runExportMemoryBench(
    (line) => process.stdout.write(`${line}\n`),
    sizes.length > 0 ? sizes : undefined,
  );
}
