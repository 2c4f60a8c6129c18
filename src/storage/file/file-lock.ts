/**
 * The per-run write lock of the file backend: a `lock` file created
 * exclusively by the first write of a process to a run and removed when
 * the process's last storage on that run closes. A second live process gets
 * `E_LOCKED`; a lock left by a dead process is taken over. Within one
 * process, every storage on the same directory shares the lock, and their
 * writes to a run run one at a time.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunStateError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { isMissing } from './file-io.js';
import { LOCK, tempName } from './file-layout.js';
import {
  isHolderAlive,
  ownIdentity,
  readHolder,
  type LockHolder,
} from './file-lock-holder.js';

/** A lock this process holds. @internal */
export interface HeldLock {
  /** The run directory. */
  readonly dir: string;
  /** The lock file. */
  readonly path: string;
  readonly token: string;
  /** The storages using it; the file is removed when the last one closes. */
  readonly owners: Set<object>;
  /** Whether `run.json` was checked under this lock. */
  metaChecked: boolean;
}

interface ProcessLocks {
  /** Held locks by lock-file path. */
  readonly held: Map<string, HeldLock>;
  /** The tail of each run directory's chain of exclusive operations. */
  readonly tails: Map<string, Promise<void>>;
}

// Shared through globalThis, so two copies of this module (source and
// build, say) in one process still agree on what it holds.
const KEY = Symbol.for('runstate.file-storage.locks');
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= {
  held: new Map(),
  tails: new Map(),
} satisfies ProcessLocks) as ProcessLocks;

const noop = (): void => undefined;
/** Attempts to take a lock that keeps changing under us. */
const ATTEMPTS = 5;

/**
 * Run `body` after every earlier exclusive operation on `dir` in this
 * process settled.
 *
 * @internal
 */
export function exclusive<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const previous = state.tails.get(dir) ?? Promise.resolve();
  const result = previous.then(body);
  const tail = result.then(noop, noop);
  state.tails.set(dir, tail);
  void tail.then(() => {
    if (state.tails.get(dir) === tail) state.tails.delete(dir);
  });
  return result;
}

function lockedError(
  runId: string,
  path: string,
  holder: LockHolder | undefined,
  reason: string,
): RunStateError {
  return new RunStateError(
    'E_LOCKED',
    `run ${JSON.stringify(runId)} ${reason}; only one process may write a run (lock file ${path})`,
    {
      details: {
        runId,
        lockFile: path,
        ...(holder === undefined
          ? {}
          : { pid: holder.pid, host: holder.host, since: holder.createdAt }),
      },
    },
  );
}

/** What {@link holdLock} needs to know. @internal */
export interface HoldOptions {
  /** Create the run directory when missing (else: no directory, no lock). */
  readonly create: boolean;
  readonly logger: Logger;
}

/**
 * Put our lock in place: write a complete candidate file, then link it to
 * `lock` (which fails if one exists) or, when the existing one's holder is
 * dead, rename it over that one and check that ours is the one that stayed.
 */
async function place(
  dir: string,
  path: string,
  content: string,
  token: string,
  runId: string,
  options: HoldOptions,
): Promise<'held' | 'retry' | 'missing'> {
  if (options.create) await mkdir(dir, { recursive: true });
  const candidate = join(dir, tempName(LOCK));
  try {
    await writeFile(candidate, content, { flag: 'wx' });
  } catch (error) {
    if (isMissing(error)) return options.create ? 'retry' : 'missing';
    throw error;
  }
  try {
    return await takeOrReplace(candidate, path, token, runId, options);
  } finally {
    await rm(candidate, { force: true }).catch(noop);
  }
}

async function takeOrReplace(
  candidate: string,
  path: string,
  token: string,
  runId: string,
  options: HoldOptions,
): Promise<'held' | 'retry'> {
  try {
    await link(candidate, path);
    return 'held';
  } catch (error) {
    if (isMissing(error)) return 'retry';
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
  }
  const holder = await readHolder(path);
  if (holder === 'missing') return 'retry';
  if (holder !== 'damaged' && (await isHolderAlive(holder))) {
    throw lockedError(runId, path, holder, 'is locked by a live process');
  }
  try {
    await rename(candidate, path);
  } catch (error) {
    if (isMissing(error)) return 'retry'; // the directory is being deleted
    throw error;
  }
  const now = await readHolder(path);
  if (typeof now !== 'object' || now.token !== token) return 'retry';
  options.logger.warn(
    { runId, lockFile: path, previous: holder },
    'runstate took over the stale lock of a dead writer',
  );
  return 'held';
}

async function acquire(
  dir: string,
  path: string,
  runId: string,
  options: HoldOptions,
): Promise<string | undefined> {
  const token = randomUUID();
  const holder: LockHolder = {
    ...(await ownIdentity()),
    token,
    createdAt: new Date().toISOString(),
  };
  const content = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const outcome = await place(dir, path, content, token, runId, options);
    if (outcome === 'held') return token;
    if (outcome === 'missing') return undefined;
  }
  const last = await readHolder(path);
  throw lockedError(
    runId,
    path,
    typeof last === 'object' ? last : undefined,
    `could not be locked in ${ATTEMPTS} attempts (other processes are taking its lock)`,
  );
}

/**
 * The run's lock for `owner`: the one this process holds already, or a new
 * one. Call it inside {@link exclusive} for the run directory.
 *
 * @returns `undefined` when the directory is missing and not `create`d
 * @throws `E_LOCKED` when a live process holds it.
 * @internal
 */
export async function holdLock(
  dir: string,
  runId: string,
  owner: object,
  options: HoldOptions,
): Promise<HeldLock | undefined> {
  const path = join(dir, LOCK);
  let lock = state.held.get(path);
  if (lock === undefined) {
    const token = await acquire(dir, path, runId, options);
    if (token === undefined) return undefined;
    lock = { dir, path, token, owners: new Set(), metaChecked: false };
    state.held.set(path, lock);
  }
  lock.owners.add(owner);
  return lock;
}

/**
 * Check, just before a change is committed, that the lock file is still
 * ours; a writer whose lock was removed or taken over stops.
 *
 * @throws `E_LOCKED` when it is not (the lock is then forgotten, so a later
 * write tries to take it again).
 * @internal
 */
export async function verifyLock(lock: HeldLock, runId: string): Promise<void> {
  const holder = await readHolder(lock.path);
  if (typeof holder === 'object' && holder.token === lock.token) return;
  forgetLock(lock);
  throw lockedError(
    runId,
    lock.path,
    typeof holder === 'object' ? holder : undefined,
    holder === 'missing'
      ? 'lost its lock file (deleted by hand or with the run)'
      : 'had its lock taken over by another process',
  );
}

/** Stop holding `lock` without touching its file (the run was deleted). @internal */
export function forgetLock(lock: HeldLock): void {
  if (state.held.get(lock.path) === lock) state.held.delete(lock.path);
}

/**
 * `owner` no longer uses `lock`; when it was the last, remove the lock file
 * (if it is still ours). Call it inside {@link exclusive}.
 *
 * @internal
 */
export async function releaseLock(
  lock: HeldLock,
  owner: object,
): Promise<void> {
  lock.owners.delete(owner);
  if (lock.owners.size > 0 || state.held.get(lock.path) !== lock) return;
  state.held.delete(lock.path);
  const holder = await readHolder(lock.path);
  if (typeof holder === 'object' && holder.token === lock.token) {
    await rm(lock.path, { force: true });
  }
}
