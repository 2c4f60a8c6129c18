/**
 * Who holds a run's write lock, and whether that process is still alive:
 * the contents of a `lock` file and the liveness checks behind a takeover.
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isMissing } from './file-io.js';

/** The contents of a `lock` file (JSON). @internal */
export interface LockHolder {
  /** The holder's process id. */
  readonly pid: number;
  /** `os.hostname()` of the holder's machine. */
  readonly host: string;
  /** Linux: `/proc/sys/kernel/random/boot_id`, so a lock from before a reboot is stale. */
  readonly bootId?: string;
  /** Linux: the holder's start time (`/proc/<pid>/stat` field 22), so a reused pid is not mistaken for the holder. */
  readonly startTime?: string;
  /** Random, unique to one acquisition. */
  readonly token: string;
  /** When the lock was taken (ISO 8601). */
  readonly createdAt: string;
}

/** This process as a lock holder, without `token`/`createdAt`. */
type Identity = Omit<LockHolder, 'token' | 'createdAt'>;

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A process's start time in clock ticks after boot, from `/proc` (Linux);
 * `undefined` when there is no such process, it is a zombie, or there is
 * no `/proc`.
 */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [state] = fields;
  if (state === 'Z' || state === 'X') return undefined;
  return fields[19];
}

let identity: Promise<Identity> | undefined;

/** This process as it writes itself into a lock file. @internal */
export function ownIdentity(): Promise<Identity> {
  identity ??= (async () => {
    const bootId = (await readText('/proc/sys/kernel/random/boot_id'))?.trim();
    const startTime = await startTimeOf(process.pid);
    return {
      pid: process.pid,
      host: hostname(),
      ...(bootId ? { bootId } : {}),
      ...(startTime === undefined ? {} : { startTime }),
    };
  })();
  return identity;
}

/**
 * Read a lock file: its holder, `'missing'` when there is none, or
 * `'damaged'` when it is not a lock written by runstate.
 *
 * @internal
 */
export async function readHolder(
  path: string,
): Promise<LockHolder | 'missing' | 'damaged'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return 'missing';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as Partial<LockHolder> | null;
    if (
      Number.isSafeInteger(holder?.pid) &&
      (holder?.pid as number) > 0 &&
      typeof holder?.host === 'string' &&
      typeof holder.token === 'string'
    ) {
      return holder as LockHolder;
    }
  } catch {
    // not JSON: fall through
  }
  return 'damaged';
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * Whether the process that wrote a lock may still be writing. Only a lock
 * of this host can be judged dead: one from before a reboot, or whose
 * process is gone (or its pid now belongs to a process started later). A
 * lock of another host, or of a process this one cannot see, counts as
 * alive. A lock naming this very process is not one of its own (those are
 * known in memory), so it was left by an earlier process with the same pid.
 *
 * @internal
 */
export async function isHolderAlive(holder: LockHolder): Promise<boolean> {
  const me = await ownIdentity();
  if (holder.host !== me.host) return true;
  if (holder.bootId !== undefined && me.bootId !== undefined) {
    if (holder.bootId !== me.bootId) return false;
  }
  if (holder.pid === process.pid || !pidExists(holder.pid)) return false;
  if (holder.startTime === undefined || me.startTime === undefined) {
    return true;
  }
  return (await startTimeOf(holder.pid)) === holder.startTime;
}
