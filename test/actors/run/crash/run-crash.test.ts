/**
 * Crash recovery of supervised runs (issue 5 item 6): a child process runs
 * the crash model (1 000 000 messages, two reducers and an xstate machine)
 * with `startRun` on a SQLite file and is SIGKILLed at random moments
 * mid-stream, then restarted, over and over; the last child runs to the end.
 * Its final states and the deduplicated outputs of all the children must
 * equal those of an uninterrupted fold of the same stream.
 *
 * Replay: `RUN_CRASH_SEED=<seed> npx vitest run test/run-crash`;
 * `RUN_CRASH_KILLS=<n>` sets the number of kills (default 20). The seed fixes
 * the stream, the kill points and the delays; where exactly a kill lands
 * still depends on the machine's timing.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readOutputs,
  readStates,
  runChild,
  type ChildArgs,
  type ChildReport,
  type OutputsFile,
} from './run-crash-driver.js';
import { foldModel } from './run-crash-fold.js';
import { START_FROM } from './run-crash-model.js';
import { prng } from '../../../support/prng.js';

const MESSAGES = 1_000_000;
/** A kill lands up to this long after the child reported its kill point. */
const MAX_DELAY_MS = 40;

function envInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer`);
  }
  return value;
}

/** `kills` kill points (message seqs), ascending, spread over 3 %–93 %. */
function killPoints(seed: number, kills: number): number[] {
  const rand = prng(seed ^ 0x6b696c6c);
  return Array.from({ length: kills }, () =>
    Math.floor(MESSAGES * (0.03 + 0.9 * rand())),
  ).sort((a, b) => a - b);
}

/** A killed child resumed from the newest savepoint and died mid-stream. */
function checkKilled(report: ChildReport, killAt: number, first: boolean) {
  expect(report.errors).toEqual([]);
  expect(report.stderr).toBe('');
  expect(report.timedOut).toBe(false);
  expect(report.signal).toBe('SIGKILL');
  expect(report.progress.at(-1)).toBeGreaterThanOrEqual(killAt);
  expect(report.done).toBeUndefined();
  checkStart(report, first);
}

/** Where a child started: fresh the first time, else the newest savepoint. */
function checkStart(report: ChildReport, first: boolean): void {
  if (first) {
    expect(report.newest).toBeUndefined();
    expect(report.start).toBe(START_FROM);
  } else {
    expect(report.newest).toBeGreaterThan(START_FROM);
    expect(report.start).toBe(report.newest);
  }
}

async function killAndRestart(args: ChildArgs, kills: number, seed: number) {
  const rand = prng(seed);
  const reports: ChildReport[] = [];
  for (const killAt of killPoints(seed, kills)) {
    const delayMs = Math.floor(rand() * (MAX_DELAY_MS + 1));
    const report = await runChild(args, { killAt, delayMs });
    checkKilled(report, killAt, reports.length === 0);
    reports.push(report);
  }
  return reports;
}

/** The last child ran to the end from the newest savepoint. */
function checkLast(last: ChildReport, killed: readonly ChildReport[]): void {
  expect(last.errors).toEqual([]);
  expect(last.stderr).toBe('');
  expect(last.timedOut).toBe(false);
  expect(last.code).toBe(0);
  expect(last.done?.[0]).toBeGreaterThan(0);
  checkStart(last, killed.length === 0);
  const starts = [...killed, last].map((r) => r.start!);
  expect(starts).toEqual([...starts].sort((a, b) => a - b));
}

/** What the children left equals the uninterrupted fold. */
function checkOutcome(args: ChildArgs, kills: number): OutputsFile {
  const expected = foldModel(args.seed, MESSAGES);
  expect(readStates(args.result)).toEqual(expected.states);
  const file = readOutputs(args.outputs);
  expect(file.conflicts).toEqual([]);
  const missing = [...expected.outputs.keys()].filter(
    (key) => !file.outputs.has(key),
  );
  expect(missing).toEqual([]); // at least once
  expect(file.outputs).toEqual(expected.outputs); // and nothing else
  if (kills > 0) expect(file.duplicates).toBeGreaterThan(0); // replayed
  return file;
}

function summary(reports: readonly ChildReport[], file: OutputsFile): string {
  const killed = reports.filter((r) => r.signal === 'SIGKILL');
  const ms = reports.reduce((n, r) => n + r.rate.ms, 0);
  const handled = reports.reduce((n, r) => n + r.rate.messages, 0);
  return (
    `${killed.length} kills landed mid-stream (last progress seqs ` +
    `${killed.map((r) => r.progress.at(-1)).join(' ')}), ` +
    `${new Set(reports.map((r) => r.start)).size - 1} distinct resume points, ` +
    `${file.lines} output lines, ${file.duplicates} replayed duplicates, ` +
    `${reports.reduce((n, r) => n + r.torn, 0)} torn lines cut; children ` +
    `handled ${handled} messages in ${ms} ms between progress lines ` +
    `(${Math.round((handled / ms) * 1000)} msg/s)`
  );
}

describe('startRun under SIGKILL', () => {
  it(
    'ends with the states and outputs of an uninterrupted run',
    { timeout: 240_000 },
    async () => {
      const seed = envInteger('RUN_CRASH_SEED', randomInt(2 ** 31));
      const kills = envInteger('RUN_CRASH_KILLS', 20);
      const dir = mkdtempSync(join(tmpdir(), 'run-crash-'));
      const args: ChildArgs = {
        db: join(dir, 'run.sqlite'),
        outputs: join(dir, 'outputs.jsonl'),
        result: join(dir, 'states.bin'),
        seed,
        count: MESSAGES,
      };
      const replay = `RUN_CRASH_SEED=${seed} RUN_CRASH_KILLS=${kills}`;
      try {
        const began = performance.now();
        const killed = await killAndRestart(args, kills, seed);
        const last = await runChild(args);
        checkLast(last, killed);
        const file = checkOutcome(args, kills);
        const total = Math.round(performance.now() - began);
        console.log(
          `run crash (${replay}): ${summary([...killed, last], file)}; ${total} ms`,
        );
        rmSync(dir, { recursive: true, force: true });
      } catch (error) {
        console.log(
          `run crash test FAILED: replay with ${replay}; files in ${dir}`,
        );
        throw error;
      }
    },
  );
});
