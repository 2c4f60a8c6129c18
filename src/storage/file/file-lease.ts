/**
 * Run leases of the file backend. The run's process lock (`file-lock.ts`)
 * already keeps every other live process out, so leases only arbitrate
 * between owners inside this process: their rows live in memory, shared by
 * every storage of the process on the same directory, and every lease
 * operation runs under the run's lock. The newest token is kept in the
 * run's `lease.json`, so tokens grow across processes too.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { isMissing, writeAtomically } from './file-io.js';
import type { LockedRun } from './file-run.js';
import { LeaseTable } from '../lease-table.js';
import type { LeaseRequest, RunLease } from '../types.js';

/** The file holding a run's newest lease token (JSON `{ "token": n }`). @internal */
export const LEASE_FILE = 'lease.json';

const KEY = Symbol.for('runstate.file-storage.leases');
/** Lease tables by run directory, shared through `globalThis`. */
const tables = ((globalThis as Record<symbol, unknown>)[KEY] ??= new Map<
  string,
  LeaseTable
>()) as Map<string, LeaseTable>;

function tableOf(dir: string): LeaseTable {
  let table = tables.get(dir);
  if (table === undefined) {
    table = new LeaseTable();
    tables.set(dir, table);
  }
  return table;
}

async function storedToken(dir: string): Promise<number> {
  try {
    const parsed = JSON.parse(
      await readFile(join(dir, LEASE_FILE), 'utf8'),
    ) as { token?: unknown };
    return Number.isSafeInteger(parsed.token) ? (parsed.token as number) : 0;
  } catch (error) {
    if (isMissing(error)) return 0;
    throw error;
  }
}

/**
 * Take or renew the lease (the run's lock held): a token newer than both
 * this process's and `lease.json`'s is written to `lease.json` first.
 *
 * @internal
 */
export async function acquireFileLease(
  run: LockedRun,
  request: LeaseRequest,
): Promise<RunLease> {
  const table = tableOf(run.dir);
  const onDisk = await storedToken(run.dir);
  const row = table.get(run.runId);
  if (row === undefined || row.token < onDisk) {
    table.set(run.runId, { owner: undefined, token: onDisk, expiresAt: 0 });
  }
  const before = table.get(run.runId);
  const lease = table.acquire(run.runId, request);
  if (lease.token > onDisk) {
    try {
      const data = Buffer.from(JSON.stringify({ token: lease.token }));
      await writeAtomically(run.dir, LEASE_FILE, data, {
        fsync: run.config.fsync,
        beforeRename: run.verify,
      });
    } catch (error) {
      if (before !== undefined) table.set(run.runId, before);
      throw error;
    }
  }
  return lease;
}

/** Extend a current lease; `E_FENCED` otherwise. @internal */
export function renewFileLease(
  run: LockedRun,
  lease: RunLease,
  ttlMs: number,
): void {
  tableOf(run.dir).renew(lease, ttlMs);
}

/** Free a current lease; ignore a stale one. @internal */
export function releaseFileLease(run: LockedRun, lease: RunLease): void {
  tableOf(run.dir).release(lease);
}

/** Throw `E_FENCED` unless `lease` is current (the run's lock held). @internal */
export function checkFileLease(run: LockedRun, lease: RunLease): void {
  tableOf(run.dir).check(lease, 'writeSavepoint');
}
