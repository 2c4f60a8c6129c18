/**
 * A lease owner child (`lease-owner-child.ts`) as the tests drive it: its
 * events as they arrive, and waiting for one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tsChildArgs } from '../../support/ts-child.js';

const CHILD = fileURLToPath(new URL('lease-owner-child.ts', import.meta.url));

/** One line the child printed. */
export interface OwnerEvent {
  readonly event: 'opened' | 'acquired' | 'persisted' | 'error';
  readonly at: number;
  readonly ts?: number;
  readonly code?: string;
  readonly resumed?: boolean;
  readonly from?: number;
}

/** A running owner. */
export interface Owner {
  readonly child: ChildProcess;
  readonly events: OwnerEvent[];
  /** The first event matching `match`, waiting up to `timeoutMs`. */
  next(
    match: (e: OwnerEvent) => boolean,
    timeoutMs: number,
  ): Promise<OwnerEvent | undefined>;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<string>;
}

/** Start an owner of `runId` on `target`, tagging its states `tag`. */
export function startOwner(
  backend: string,
  target: string,
  runId: string,
  ttlMs: number,
  tag: string,
): Owner {
  const child = spawn(
    process.execPath,
    tsChildArgs(CHILD, backend, target, runId, String(ttlMs), tag),
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  const events: OwnerEvent[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() !== '') events.push(JSON.parse(line) as OwnerEvent);
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<string>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  const next = (match: (e: OwnerEvent) => boolean, timeoutMs: number) =>
    new Promise<OwnerEvent | undefined>((resolve) => {
      const check = (): void => {
        const found = events.find(match);
        if (found === undefined) return;
        done(found);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (value: OwnerEvent | undefined): void => {
        clearTimeout(timer);
        waiters.delete(check);
        resolve(value);
      };
      waiters.add(check);
      void exited.then(() => check());
      check();
    });
  return { child, events, next, exited };
}

/** How many events of kind `event` the owner printed. */
export const count = (owner: Owner, event: OwnerEvent['event']): number =>
  owner.events.filter((e) => e.event === event).length;
