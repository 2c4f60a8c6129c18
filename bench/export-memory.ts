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

function measure(n: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-export-mem-'));
  try {
    const db = join(dir, 'a.sqlite');
    const file = join(dir, 'a.ndjson');
    const fill = child('fill', db, String(n));
    const started = Date.now();
    const read = child('read', db, '');
    const exp = child('export', db, file);
    const imp = child('import', file, join(dir, 'b.sqlite'));
    const row = [
      n,
      (statSync(file).size / MB).toFixed(1),
      fill.toFixed(0),
      read.toFixed(0),
      exp.toFixed(0),
      imp.toFixed(0),
      ((Date.now() - started) / 1000).toFixed(1),
    ];
    process.stdout.write(`| ${row.join(' | ')} |\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, a, b] = process.argv.slice(2);
if (
  mode === 'fill' ||
  mode === 'read' ||
  mode === 'export' ||
  mode === 'import'
) {
  await step(mode, a!, b!);
} else {
  process.stdout.write(
    '| entities | export file (MB) | fill RSS (MB) | read alone RSS (MB) | export RSS (MB) | import RSS (MB) | read+export+import (s) |\n|---|---|---|---|---|---|---|\n',
  );
  for (const n of process.argv.slice(2).length > 0
    ? process.argv.slice(2).map(Number)
    : [10_000, 100_000])
    measure(n);
}
