/**
 * Helpers of the CLI tests: run the real `runstate` bin, make a fresh store
 * on each backend (a temp SQLite file or directory, a fresh Postgres schema,
 * a fresh Redis prefix), fill it, and clean up afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { defaultCodec } from 'runstate';
import { openStorageUrl } from 'runstate/cli';

// Each command spawns Node with tsx: on a busy 2-core machine a test of a
// dozen commands needs more than the default 30 s.
vi.setConfig({ testTimeout: 120_000 });

const bin = fileURLToPath(new URL('../../bin/runstate.js', import.meta.url));

/** What a run of the bin printed and returned. */
export interface BinResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `runstate ...args` as a child process (stdin from `input`). */
export function runBin(
  args: readonly string[],
  input?: string,
): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const PG = process.env.RUNSTATE_PG_URL;
const REDIS = process.env.RUNSTATE_REDIS_URL;

/** The backends a test can use, each with a fresh-store factory. */
export type BackendName = 'sqlite' | 'file' | 'postgres' | 'redis';

const withParam = (url: string, key: string, value: string) =>
  `${url}${url.includes('?') ? '&' : '?'}${key}=${encodeURIComponent(value)}`;

const tag = `${process.pid}_${Date.now().toString(36)}`;
let counter = 0;
const dir = mkdtempSync(join(tmpdir(), 'runstate-cli-'));
const schemas: string[] = [];
const prefixes: string[] = [];

/** A URL naming a fresh, empty store on `backend`. */
export function freshUrl(backend: BackendName): string {
  counter += 1;
  switch (backend) {
    case 'sqlite':
      return `sqlite:${join(dir, `s${counter}.sqlite`)}`;
    case 'file':
      return `file:${join(dir, `f${counter}`)}?compression=gzip`;
    case 'postgres': {
      const schema = `rs_cli_${tag}_${counter}`;
      schemas.push(schema);
      return withParam(PG!, 'schema', schema);
    }
    case 'redis': {
      const prefix = `rs-cli-${tag}-${counter}:`;
      prefixes.push(prefix);
      return withParam(REDIS!, 'prefix', prefix);
    }
  }
}

/** The backends available here; Postgres and Redis need their env URLs. */
export const backends: readonly BackendName[] = [
  'sqlite',
  'file',
  ...(PG === undefined ? [] : (['postgres'] as const)),
  ...(REDIS === undefined ? [] : (['redis'] as const)),
];

if (PG === undefined || REDIS === undefined) {
  process.stderr.write(
    `\n*** runstate CLI tests: ${PG === undefined ? 'Postgres (RUNSTATE_PG_URL) ' : ''}${REDIS === undefined ? 'Redis (RUNSTATE_REDIS_URL) ' : ''}SKIPPED: set the URLs to test those backends. ***\n`,
  );
}

/** The states of the test run "orders": three savepoints. */
export const ORDERS = [
  { timestamp: 60_000, totals: new Map<unknown, unknown>([['apple', 1]]) },
  {
    timestamp: 120_000,
    totals: new Map<unknown, unknown>([
      ['apple', 2],
      [7, 3n],
    ]),
  },
  {
    timestamp: 180_000,
    totals: new Map<unknown, unknown>([
      ['apple', 3],
      [7, 3n],
    ]),
  },
] as const;

/** Fill a store with run "orders" (three savepoints) and run "empty". */
export async function fill(url: string): Promise<void> {
  await using storage = await openStorageUrl(url);
  const shared = { at: new Date(0) };
  for (const { timestamp, totals } of ORDERS) {
    const entries = [
      ['totals', defaultCodec.encode(totals)],
      [
        'misc',
        defaultCodec.encode({ shared, again: shared, n: NaN, u: undefined }),
      ],
    ] as const;
    await storage.writeSavepoint(
      'orders',
      { timestamp, entries },
      { keep: 10 },
    );
  }
  await storage.initRun('empty');
}

/** Drop every schema and Redis prefix made, and the temp directory. */
export async function cleanUp(): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  if (PG !== undefined && schemas.length > 0) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: PG });
    await client.connect();
    for (const s of schemas.splice(0)) {
      await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    }
    await client.end();
  }
  if (REDIS !== undefined && prefixes.length > 0) {
    const { createClient } = await import('redis');
    const client = await createClient({ url: REDIS }).connect();
    for (const p of prefixes.splice(0)) {
      for await (const keys of client.scanIterator({ MATCH: `${p}*` })) {
        if (keys.length > 0) await client.del(keys);
      }
    }
    await client.close();
  }
}
