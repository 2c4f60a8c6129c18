/**
 * The crash harness (`crashTest`) on a real processor script, killed with
 * SIGKILL: a correct processor passes; one that loses messages on resume is
 * caught, with the seed that replays it. From vitest here; from `node:test`
 * in `node-test.test.ts`.
 */
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CrashTestError,
  crashTest,
  type CrashTestReport,
} from '../../../src/testing/index.js';

const script = new URL('./processor.ts', import.meta.url);
/** Resolve `runstate` to src/, as the examples do. */
const nodeArgs = ['--conditions=runstate-source'];

describe('crashTest()', () => {
  it('passes a processor that resumes correctly, after kills that landed', async () => {
    const report: CrashTestReport = await crashTest({
      script,
      nodeArgs,
      kills: 4,
      seed: 12_345,
    });
    expect(report.seed).toBe(12_345);
    expect(report.kills).toBeGreaterThan(0);
    expect(report.kills + report.finishedBeforeKill).toBe(4);
    expect(report.outputs).toBeGreaterThan(100);
    expect(report.dir).toBeUndefined();
  }, 120_000);

  it('catches a processor that loses messages on resume, naming the seed', async () => {
    const error = await crashTest({
      script,
      nodeArgs,
      kills: 3,
      seed: 777,
      env: { BUG: 'skip-on-resume' },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CrashTestError);
    const failure = error as CrashTestError;
    expect(failure.seed).toBe(777);
    expect(failure.message).toMatch(/final states differ/);
    expect(failure.message).toMatch(/outputs missing after the kills/);
    expect(failure.message).toContain('RUNSTATE_CRASH_SEED=777');
    expect(existsSync(failure.dir)).toBe(true); // kept for inspection
    rmSync(failure.dir, { recursive: true, force: true });
  }, 120_000);

  it('runs a JavaScript script as it is, and keeps the files when asked', async () => {
    const report = await crashTest({
      script: new URL('./processor.js', import.meta.url),
      nodeArgs: ['--import', 'tsx', ...nodeArgs], // the library is TS here
      kills: 2,
      seed: 1,
      keepFiles: true,
    });
    expect(report.dir).toBeDefined();
    expect(existsSync(report.dir!)).toBe(true);
    rmSync(report.dir!, { recursive: true, force: true });
  }, 120_000);

  it('fails a script that crashes by itself, with its stderr', async () => {
    await expect(
      crashTest({
        script: new URL('./broken.js', import.meta.url),
        kills: 1,
        seed: 3,
      }),
    ).rejects.toThrow(
      /reference child 0 failed .*\n.*stderr: .*broken on purpose/s,
    );
  }, 60_000);

  it.each([
    [{}, TypeError, /options\.script/],
    [{ script: 'x.ts', kills: -1 }, RangeError, /options\.kills/],
    [{ script: 'x.ts', kills: null }, RangeError, /options\.kills/],
    [{ script: 'x.ts', timeoutMs: null }, RangeError, /options\.timeoutMs/],
    [{ script: 'x.ts', seed: 1.5 }, RangeError, /options\.seed/],
    [{ script: 'x.ts', nodeArgs: '--x' }, TypeError, /options\.nodeArgs/],
    [{ script: 'x.ts', env: { A: 1 } }, TypeError, /options\.env\.A/],
    [{ script: 'x.ts', timeoutMs: 0 }, RangeError, /options\.timeoutMs/],
    [{ script: 'x.ts', killWindowMs: 0 }, RangeError, /options\.killWindowMs/],
  ])('refuses %j, naming the option', async (options, type, message) => {
    const attempt = crashTest(options as never);
    await expect(attempt).rejects.toThrow(type);
    await expect(attempt).rejects.toThrow(message);
  });
});
