/**
 * Describes the machine and software the benchmarks ran on, for the header of
 * docs/benchmarks.md: CPU model and core count, memory, OS, Node and V8,
 * better-sqlite3 and its SQLite, msgpackr and xstate versions, and the date.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import Database from 'better-sqlite3';

/** What the benchmarks ran on. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly v8: string;
  readonly betterSqlite3: string;
  readonly sqlite: string;
  readonly msgpackr: string;
  readonly xstate: string;
  readonly date: string;
}

const require = createRequire(import.meta.url);

/** The `version` of an installed package, read from its package.json. */
function packageVersion(name: string): string {
  // Some packages do not export ./package.json: find it next to the entry.
  let dir = require.resolve(name);
  for (let i = 0; i < 6; i++) {
    dir = dir.slice(0, dir.lastIndexOf('/'));
    try {
      const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === name) return pkg.version ?? 'unknown';
    } catch {
      // not there: go up one level
    }
  }
  return 'unknown';
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return String(db.prepare('SELECT sqlite_version()').pluck().get());
  } finally {
    db.close();
  }
}

/** Collect the machine description. */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    v8: process.versions.v8,
    betterSqlite3: packageVersion('better-sqlite3'),
    sqlite: sqliteVersion(),
    msgpackr: packageVersion('msgpackr'),
    xstate: packageVersion('xstate'),
    date: new Date().toISOString(),
  };
}
