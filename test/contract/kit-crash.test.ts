/**
 * Contract probes of docs/testing.md and api.md "crashTest(options)" and
 * "crashTestChild()": a bad option is a TypeError/RangeError naming it (the
 * promise rejects with it); outside a child, crashTestChild() is
 * E_INVALID_STATE.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRunStateError } from 'runstate';
import { CrashTestError, crashTest, crashTestChild } from 'runstate/testing';

const scripts = new URL('./kit-crash-scripts/', import.meta.url);

const script = 'never-run.mjs';

describe('crashTest: options are checked, naming the bad one', () => {
  it('a non-boolean keepFiles is a TypeError naming options.keepFiles and the value', async () => {
    const keepFiles = 'yes' as unknown as boolean;
    await expect(crashTest({ script, keepFiles })).rejects.toThrow(TypeError);
    await expect(crashTest({ script, keepFiles })).rejects.toThrow(
      /options\.keepFiles.*"yes"/,
    );
  });

  it('a URL script that is not a file: URL is a TypeError naming options.script', async () => {
    const bad = new URL('https://example.invalid/my-processor.ts');
    await expect(crashTest({ script: bad })).rejects.toThrow(TypeError);
    await expect(crashTest({ script: bad })).rejects.toThrow(
      /options\.script.*https:\/\/example\.invalid/,
    );
  });

  it('kills, seed, killWindowMs and timeoutMs out of range are RangeErrors naming them', async () => {
    const cases = [
      [{ kills: -1 }, /options\.kills.*-1/],
      [{ seed: 1.5 }, /options\.seed.*1\.5/],
      [{ killWindowMs: 0 }, /options\.killWindowMs.*0/],
      [{ timeoutMs: 0 }, /options\.timeoutMs.*0/],
    ] as const;
    for (const [options, message] of cases) {
      const error: unknown = await crashTest({ script, ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(options)).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('args, nodeArgs and env of the wrong type are TypeErrors naming them', async () => {
    await expect(
      crashTest({ script, args: [1] as unknown as string[] }),
    ).rejects.toThrow(/options\.args/);
    await expect(
      crashTest({ script, nodeArgs: 'x' as unknown as string[] }),
    ).rejects.toThrow(/options\.nodeArgs/);
    await expect(
      crashTest({ script, env: { A: 1 } as unknown as Record<string, string> }),
    ).rejects.toThrow(/options\.env\.A/);
  });

  it('crashTestChild() outside a child of crashTest is E_INVALID_STATE', () => {
    let error: unknown;
    try {
      crashTestChild();
    } catch (e) {
      error = e;
    }
    expect(isRunStateError(error, 'E_INVALID_STATE')).toBe(true);
  });
});

describe('crashTest: runs', () => {
  it('a child that outlives timeoutMs fails the test: a CrashTestError naming the seed, its files kept in error.dir', async () => {
    const error: unknown = await crashTest({
      script: new URL('hang.ts', scripts),
      kills: 1,
      seed: 7,
      timeoutMs: 1_500,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CrashTestError);
    const e = error as CrashTestError;
    expect(e.seed).toBe(7);
    expect(e.message).toContain('RUNSTATE_CRASH_SEED=7');
    expect(existsSync(e.dir)).toBe(true);
    rmSync(e.dir, { recursive: true, force: true });
  }, 60_000);

  it('the report: seed, kills, outputs, duplicates, referenceMs, killWindowMs; dir undefined without keepFiles', async () => {
    const report = await crashTest({
      script: new URL('instant.ts', scripts),
      kills: 1,
      seed: 11,
      killWindowMs: 1,
    }).catch((e: unknown) => e);
    if (report instanceof CrashTestError) {
      // no kill landed on a script this fast: a documented rejection
      expect(report.seed).toBe(11);
      rmSync(report.dir, { recursive: true, force: true });
      return;
    }
    expect(report).toMatchObject({
      seed: 11,
      outputs: 1,
      killWindowMs: 1,
      dir: undefined,
    });
    const r = report as { kills: number; referenceMs: number };
    expect(r.kills).toBeGreaterThan(0);
    expect(r.referenceMs).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('passes env, args and cwd on, never VITEST*; the child reads mode, dir, key, seed, attempt', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rs-crash-cwd-'));
    const report = await crashTest({
      script: new URL('contract.ts', scripts),
      kills: 2,
      seed: 5,
      args: ['--flag'],
      env: { EXTRA: 'yes', EXPECT_CWD: cwd },
      cwd,
    });
    expect(report.seed).toBe(5);
    expect(report.outputs).toBe(20);
    rmSync(cwd, { recursive: true, force: true });
  }, 120_000);
});
