/**
 * Crash safety under SIGKILL (spec §1, §5–§7), one test per backend: a child
 * process (`crash-writer.ts`) persists savepoints of 50–200 self-verifying
 * entities as fast as it can and is killed at a random instant, over and over
 * on the same target. After every kill, once the server has let go of the
 * dead writer's connections, a new read-only storage is opened on the target,
 * which must hold only complete, consistent, decodable savepoints, never
 * fewer than what the child saw committed, and never going backwards.
 *
 * Replay: `CRASH_SEED=<seed> npx vitest run test/crash -t <backend title>`;
 * `CRASH_CYCLES=<n>` sets the number of kills of every backend. The seed
 * fixes the entities, their payloads and the kill delays; where exactly a
 * kill lands still depends on the machine's timing.
 */
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CrashBackend, CrashTarget } from './crash-backends.js';
import { runAndKill, type ChildLog } from './crash-child.js';
import { inspect, type Workload } from './crash-inspect.js';
import { KEEP, START, SCHEDULE, entityIds, prng } from './crash-model.js';

/** Kills land a random 0…MAX_DELAY_MS after the child reports `ready`. */
const MAX_DELAY_MS = 150;

/** What the kills so far have shown. */
interface Tally {
  /** Newest savepoint on the backend after the previous cycle. */
  newest: number | undefined;
  /** Savepoints the children saw committed. */
  writes: number;
  /** Kills that landed between `begin` and `end` of a write. */
  midWrite: number;
  /** …of which the write had already been applied. */
  midWriteCommitted: number;
}

/**
 * The child resumed from exactly what was there, then wrote the savepoints
 * after it in order, one at a time, each committed before the next began; at
 * most the last is unfinished.
 */
function checkLog(log: ChildLog, newest: number | undefined): void {
  expect(log.errors).toEqual([]);
  expect(log.stderr).toBe('');
  expect(log.ready).toEqual(
    newest === undefined
      ? { timestamp: START, resumed: false }
      : { timestamp: newest, resumed: true },
  );
  const from = log.ready.timestamp;
  expect(log.begun).toEqual(log.begun.map((_, i) => from + (i + 1) * SCHEDULE));
  expect(log.ended).toEqual(log.begun.slice(0, log.ended.length));
  expect(log.begun.length - log.ended.length).toBeLessThanOrEqual(1);
}

/**
 * Everything the child saw committed is there; a kill inside a write leaves
 * either the old set or the old set plus the new one; never backwards, and
 * once a savepoint was committed there always is one.
 */
function checkOutcome(
  log: ChildLog,
  onDisk: number | undefined,
  tally: Tally,
): void {
  const committed = log.ended.at(-1) ?? tally.newest;
  const unfinished =
    log.begun.length > log.ended.length ? log.begun.at(-1) : undefined;
  if (unfinished === undefined) {
    expect(onDisk).toBe(committed);
  } else {
    tally.midWrite++;
    expect([committed, unfinished]).toContain(onDisk);
    if (onDisk === unfinished) tally.midWriteCommitted++;
  }
  if (tally.newest !== undefined) {
    expect(onDisk).toBeDefined();
    expect(onDisk).toBeGreaterThanOrEqual(tally.newest);
  }
  tally.writes += log.ended.length;
  tally.newest = onDisk;
}

/** Run `cycles` kill-and-inspect cycles on `target`. */
async function runCycles(
  backend: CrashBackend,
  target: CrashTarget,
  workload: Workload,
  cycles: number,
): Promise<Tally> {
  const rand = prng(workload.seed);
  const args = { backend: backend.name, target: target.arg, ...workload };
  const tally: Tally = {
    newest: undefined,
    writes: 0,
    midWrite: 0,
    midWriteCommitted: 0,
  };
  let cycle = 0;
  let liveCount = 0;
  try {
    for (cycle = 1; cycle <= cycles; cycle++) {
      const delay = Math.floor(rand() * (MAX_DELAY_MS + 1));
      const log = await runAndKill(args, delay);
      await target.settle();
      checkLog(log, tally.newest);
      const live = await inspect(
        () => backend.openReadOnly(target.arg),
        workload,
        backend.pruneAfterCommit === true
          ? Math.max(KEEP, liveCount) + 1
          : KEEP,
      );
      liveCount = live.length;
      checkOutcome(log, live.at(-1), tally);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const replay = `CRASH_SEED=${workload.seed}`;
    console.log(
      `${backend.name} crash test FAILED at cycle ${cycle}: replay with ${replay}`,
    );
    throw new Error(
      `${backend.name} cycle ${cycle} (${replay}, target ${target.arg}): ${message}`,
      { cause: error },
    );
  }
  return tally;
}

/** Skip `backend` with a reason nobody can miss. */
function skipLoudly(backend: CrashBackend, reason: string): void {
  console.warn(
    `\n*** ${backend.name.toUpperCase()} CRASH TEST SKIPPED: ${reason} ***\n` +
      `*** ${backend.title} is NOT crash-tested in this run. ***\n`,
  );
  describe.skip(`${backend.title} savepoints under SIGKILL (${reason})`, () => {
    it('survive kills at random instants', () => undefined);
  });
}

/** `CRASH_CYCLES`, or the backend's default. */
function cyclesOf(backend: CrashBackend): number {
  const cycles = Number(process.env.CRASH_CYCLES ?? backend.cycles);
  if (!Number.isSafeInteger(cycles) || cycles < 1) {
    throw new RangeError(
      `CRASH_CYCLES must be a positive integer, got ${process.env.CRASH_CYCLES}`,
    );
  }
  return cycles;
}

/** One full crash test of `backend` on a fresh target, removed afterwards. */
async function crashTest(backend: CrashBackend, cycles: number) {
  const seed = Number(process.env.CRASH_SEED ?? randomInt(2 ** 31));
  const workload = { seed, ids: entityIds(seed) };
  const label = `${backend.name} crash test: seed ${seed}`;
  const target = await backend.createTarget();
  console.log(
    `${label} (replay with CRASH_SEED=${seed}), ${workload.ids.length} entities, ${cycles} cycles, target ${target.arg}`,
  );
  const startedAt = performance.now();
  try {
    const t = await runCycles(backend, target, workload, cycles);
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    console.log(
      `${label}: ${cycles} kills in ${seconds} s, ${t.writes} savepoints committed, newest ${t.newest}; ` +
        `${t.midWrite} kills mid-write: ${t.midWrite - t.midWriteCommitted} rolled back, ` +
        `${t.midWriteCommitted} already committed (the kill came after the commit, before the child saw it)`,
    );
    // The test only means something if kills hit the dangerous window.
    // (CRASH_MIN_MID_WRITE=0: the soak counts them instead, in chunks too
    // small for a share to be steady.)
    const minMidWrite =
      process.env.CRASH_MIN_MID_WRITE === '0'
        ? 0
        : Math.floor(cycles * backend.minMidWriteShare);
    expect(t.midWrite).toBeGreaterThanOrEqual(minMidWrite);
    expect(t.newest).toBeDefined();
  } finally {
    await target.remove();
  }
}

/**
 * The crash test of one backend of `BACKENDS` (`crash-backends.ts`), in a concurrent suite
 * (the backends' tests run at once: the work is in the children), or a loud
 * skip when the backend is not available here.
 */
export function describeCrashTest(backend: CrashBackend): void {
  const reason = backend.skipReason();
  if (reason !== undefined) return skipLoudly(backend, reason);
  const cycles = cyclesOf(backend);
  describe.concurrent(`${backend.title} savepoints under SIGKILL`, () => {
    it(
      `survive ${cycles} kills at random instants, mid-write included`,
      () => crashTest(backend, cycles),
      // ~1 s a cycle on an idle 2-core machine; 3-10 s on a very busy one
      // (CRASH_CYCLE_MS for a soak on a machine busier still).
      60_000 + cycles * Number(process.env.CRASH_CYCLE_MS ?? 6_000),
    );
  });
}
