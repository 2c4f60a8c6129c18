/**
 * Failover between real worker processes: 4 workers share 200 runs over
 * Postgres (and over Redis); two are killed with SIGKILL mid-stream. Every
 * run must end with the state of an uninterrupted fold, and no run may be
 * owned by two workers at once: each claim of a run has a greater fencing
 * token than the one before, and the run's stored savepoints, in order,
 * were written by owners of non-decreasing tokens (a zombie never writes
 * after its successor).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultCodec, type StorageAdapter } from '../../../src/index.js';
import { tsChildArgs } from '../../support/ts-child.js';
import {
  BACKENDS,
  type LeaseBackend,
} from '../../lease/process/lease-backends.js';
import {
  END,
  MESSAGES,
  RUNS,
  SCHEDULE,
  STEP,
  expectedFold,
  runIds,
} from './worker-model.js';

const CHILD = fileURLToPath(new URL('worker-child.ts', import.meta.url));
const TTL_MS = 4_000;
const DELAY_MS = 50;

interface Event {
  readonly e: 'up' | 'claim' | 'release' | 'persist' | 'stopped';
  readonly at: number;
  readonly r?: string;
  readonly token?: number;
  readonly ts?: number;
  readonly why?: string;
}

interface Child {
  readonly proc: ChildProcess;
  readonly events: Event[];
  readonly exited: Promise<string>;
  killedAt?: number;
}

const children: Child[] = [];
const removals: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.proc.kill('SIGKILL');
    await c.exited;
  }
  for (const remove of removals.splice(0)) await remove();
});

function startChild(backend: string, target: string): Child {
  const proc = spawn(
    process.execPath,
    tsChildArgs(CHILD, backend, target, 'g', String(TTL_MS), String(DELAY_MS)),
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  const events: Event[] = [];
  let buffered = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() !== '') events.push(JSON.parse(line) as Event);
    }
  });
  const exited = new Promise<string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  const child: Child = { proc, events, exited };
  children.push(child);
  return child;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 120_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await pause(250);
  }
}

/** How many runs have their final savepoint (END) stored. */
async function finished(storage: StorageAdapter): Promise<number> {
  const newest = await Promise.all(
    runIds().map((id) => storage.newestTimestamp(id)),
  );
  return newest.filter((ts) => ts === END).length;
}

/** Per run: claims ordered by time must have growing tokens. */
function checkClaims(all: readonly Child[]) {
  for (const runId of runIds()) {
    const claims = all
      .flatMap((c) => c.events.filter((e) => e.e === 'claim' && e.r === runId))
      .sort((a, b) => a.at - b.at || a.token! - b.token!);
    expect(claims.length, runId).toBeGreaterThan(0);
    const tokens = claims.map((c) => c.token!);
    expect(new Set(tokens).size, `${runId} tokens ${tokens.join(',')}`).toBe(
      tokens.length,
    );
    expect(
      [...tokens].sort((a, b) => a - b),
      runId,
    ).toEqual(tokens);
  }
}

/**
 * Per run: the token each savepoint was written under (the writer's claim
 * before it, in its own output), in savepoint order, never decreases.
 */
function checkWriters(all: readonly Child[]) {
  for (const runId of runIds()) {
    const writes: { ts: number; token: number }[] = [];
    for (const c of all) {
      let token = 0;
      for (const e of c.events) {
        if (e.r !== runId) continue;
        if (e.e === 'claim') token = e.token!;
        if (e.e === 'persist') writes.push({ ts: e.ts!, token });
      }
    }
    writes.sort((a, b) => a.ts - b.ts);
    const tokens = writes.map((w) => w.token);
    expect(
      [...tokens].sort((a, b) => a - b),
      runId,
    ).toEqual(tokens);
    expect(new Set(writes.map((w) => w.ts)).size, runId).toBe(writes.length);
  }
}

/**
 * The longest wait from a kill to the next claim of a run the killed
 * worker still owned (its last claim not followed by another's before the
 * kill: under load a lease may have expired and moved earlier).
 */
function failoverMs(killed: readonly Child[], all: readonly Child[]) {
  let worst = 0;
  const claims = all
    .flatMap((c) => c.events.map((e) => ({ ...e, c })))
    .filter((e) => e.e === 'claim')
    .sort((a, b) => a.at - b.at);
  for (const k of killed) {
    const last = new Map<string, (typeof claims)[number]>();
    for (const e of claims) if (e.at <= k.killedAt!) last.set(e.r!, e);
    for (const [runId, claim] of last) {
      if (claim.c !== k) continue;
      const released = k.events.some(
        (e) => e.e === 'release' && e.r === runId && e.at >= claim.at,
      );
      if (released) continue;
      const next = claims.find((e) => e.r === runId && e.at > k.killedAt!);
      expect(next, `${runId} taken over`).toBeDefined();
      worst = Math.max(worst, next!.at - k.killedAt!);
    }
  }
  return worst;
}

async function checkFolds(storage: StorageAdapter) {
  for (const runId of runIds()) {
    const sp = await storage.readSavepoint(runId);
    expect(sp?.timestamp, runId).toBe(END);
    const [, bytes] = sp!.entries.find(([id]) => id === 'fold')!;
    expect(defaultCodec.decode(bytes), runId).toEqual(expectedFold(runId));
  }
}

/** The runs a worker owns now, from its events. */
function ownedBy(child: Child): Set<string> {
  const owned = new Set<string>();
  for (const e of child.events) {
    if (e.e === 'claim') owned.add(e.r!);
    if (e.e === 'release') owned.delete(e.r!);
  }
  return owned;
}

const servers = BACKENDS.filter((b) => b.name !== 'sqlite');

// In the 'timed' project (vitest.config.ts): after every other test file,
// alone, so no other test starves the children's lease renewals of CPU.
describe.each(servers)('4 workers sharing 200 runs over $name', (backend) => {
  it.skipIf(backend.skip !== undefined)(
    'survive two workers killed mid-stream: every run ends with its uninterrupted fold, never owned twice',
    async () => {
      await run(backend);
    },
    240_000,
  );
});

async function run(backend: LeaseBackend) {
  const { target, remove } = backend.create();
  removals.push(remove);
  const storage = await backend.open(target);
  removals.unshift(() => storage.close());
  const ws = Array.from({ length: 4 }, () => startChild(backend.name, target));
  const claimed = () =>
    new Set(
      ws.flatMap((c) =>
        c.events.filter((e) => e.e === 'claim').map((e) => e.r),
      ),
    ).size;
  await until(() => claimed() === RUNS, 'every run claimed');
  // Mid-stream: a third of the savepoints of every run persisted.
  const persisted = () =>
    ws.reduce(
      (n, c) => n + c.events.filter((e) => e.e === 'persist').length,
      0,
    );
  const perRun = Math.floor((MESSAGES * STEP) / SCHEDULE);
  await until(() => persisted() >= (RUNS * perRun) / 3, 'a third persisted');
  expect(await finished(storage)).toBeLessThan(RUNS);
  const killed = [ws[0]!, ws[1]!];
  for (const k of killed) {
    k.killedAt = Date.now();
    k.proc.kill('SIGKILL');
  }
  await until(async () => (await finished(storage)) === RUNS, 'all runs done');
  const worst = failoverMs(killed, ws);
  console.log(
    `${backend.name}: 2 of 4 workers SIGKILLed; their runs claimed again after at most ${worst} ms (TTL ${TTL_MS} ms)`,
  );
  expect(worst).toBeLessThanOrEqual(TTL_MS + 1_000);
  await checkFolds(storage);
  checkClaims(ws);
  checkWriters(ws);
  // The survivors share the runs: 100 each, every run owned by one.
  const survivors = [ws[2]!, ws[3]!];
  const owned = survivors.map(ownedBy);
  expect(owned.map((o) => o.size)).toEqual([RUNS / 2, RUNS / 2]);
  expect(new Set(owned.flatMap((o) => [...o])).size).toBe(RUNS);
  // Both stop at once (one stopping alone would hand its runs to the
  // other): each exits cleanly.
  for (const s of survivors) s.proc.kill('SIGTERM');
  for (const s of survivors) expect(await s.exited).toBe('0');
}
