/**
 * {@link crashTest}: SIGKILL a processor script at seeded random moments,
 * restart it each time, and compare its end with an uninterrupted run.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng } from '../prng.js';
import type { CrashMode } from './crash-contract.js';
import {
  outputDifferences,
  readOutputs,
  readResult,
  stateDifference,
} from './crash-compare.js';
import { crashTestConfig, type CrashTestConfig } from './crash-options.js';
import type { CrashTestOptions } from './crash-options.js';
import { runChild, type ChildExit, type ChildPlace } from './crash-process.js';

/** What a passed {@link crashTest} saw. */
export interface CrashTestReport {
  /** The seed; `crashTest({ ...options, seed })` replays the test. */
  readonly seed: number;
  /** Children SIGKILLed while running. */
  readonly kills: number;
  /** Children that finished before their kill moment came. */
  readonly finishedBeforeKill: number;
  /** Distinct outputs (equal in both modes). */
  readonly outputs: number;
  /** Outputs seen again after a restart, deduplicated. */
  readonly duplicates: number;
  /** The uninterrupted run's time from ready to exit, in ms. */
  readonly referenceMs: number;
  /** The kill window used, in ms. */
  readonly killWindowMs: number;
  /** Where the files are, when kept (`keepFiles`). */
  readonly dir: string | undefined;
}

/** A failed {@link crashTest}: what differed, and the seed to replay it. */
export class CrashTestError extends Error {
  override readonly name = 'CrashTestError';
  /** The seed to replay with. */
  readonly seed: number;
  /** The test's files, kept for inspection. */
  readonly dir: string;

  /** @internal */
  constructor(message: string, seed: number, dir: string) {
    super(
      `${message}\n  replay: crashTest({ ...options, seed: ${seed} }) or RUNSTATE_CRASH_SEED=${seed}\n  files: ${dir}`,
    );
    this.seed = seed;
    this.dir = dir;
  }
}

/**
 * Prove that a processor survives crashes: run its script uninterrupted
 * once, then run it again, SIGKILLing it `kills` times at seeded random
 * moments and restarting it each time, and let a last child run to the end.
 * The final states and the outputs, deduplicated by
 * `(entityId, timestamp, index)`, must equal the uninterrupted run's.
 *
 * @remarks
 * The script runs in a child process and talks to the harness through
 * `crashTestChild()` (environment variables in, files out; see
 * `docs/testing.md`). Works under any test runner. Only the seed is
 * deterministic: where exactly a kill lands depends on the machine's timing.
 *
 * @param options - the script, kills, seed and limits
 * @returns what the test saw
 * @throws {@link CrashTestError} when the end differs, a child fails or
 * hangs, or no kill landed; its message names the seed that replays it.
 * @throws TypeError/RangeError naming a bad option.
 * @example
 * ```ts
 * it('survives SIGKILL', async () => {
 *   const report = await crashTest({
 *     script: new URL('./my-processor.ts', import.meta.url),
 *     kills: 5,
 *   });
 *   expect(report.kills).toBeGreaterThan(0);
 * }, 120_000);
 * ```
 */
export async function crashTest(
  options: CrashTestOptions,
): Promise<CrashTestReport> {
  const config = crashTestConfig(options);
  const root = mkdtempSync(join(tmpdir(), 'runstate-crash-'));
  const fail = (message: string): never => {
    throw new CrashTestError(message, config.seed, root);
  };
  const series = new Series(config, root, fail);
  const reference = await series.run('reference', 0, undefined);
  const killWindowMs =
    config.killWindowMs ??
    Math.max(1, Math.round(reference.ranMs / Math.max(1, config.kills)));
  const rand = prng(config.seed);
  let kills = 0;
  for (let attempt = 0; attempt < config.kills; attempt++) {
    const exit = await series.run('crash', attempt, rand() * killWindowMs);
    if (exit.killed) kills++;
  }
  await series.run('crash', config.kills, undefined);
  const counts = series.compare(config.kills);
  if (config.kills > 0 && kills === 0) {
    fail(
      `no kill landed: every child finished within its kill moment (window ${killWindowMs} ms); give the script more input or set killWindowMs`,
    );
  }
  if (!config.keepFiles) rmSync(root, { recursive: true, force: true });
  return {
    seed: config.seed,
    kills,
    finishedBeforeKill: config.kills - kills,
    ...counts,
    referenceMs: Math.round(reference.ranMs),
    killWindowMs,
    dir: config.keepFiles ? root : undefined,
  };
}

/** The children of one test and their files. */
class Series {
  readonly #key = `runstate_crash_${randomBytes(4).toString('hex')}`;

  constructor(
    readonly config: CrashTestConfig,
    readonly root: string,
    readonly fail: (message: string) => never,
  ) {
    for (const mode of ['crash', 'reference']) {
      mkdirSync(join(root, mode), { recursive: true });
    }
  }

  place(mode: CrashMode, attempt: number): ChildPlace {
    const files = join(this.root, `${mode}-files`);
    mkdirSync(files, { recursive: true });
    return {
      mode,
      dir: join(this.root, mode),
      key: `${this.#key}_${mode}`,
      seed: this.config.seed,
      attempt,
      outputs: join(files, `outputs-${attempt}.jsonl`),
      result: join(files, `states-${attempt}.bin`),
    };
  }

  /** Run one child; fail unless it was killed or exited cleanly. */
  async run(mode: CrashMode, attempt: number, killAfterMs: number | undefined) {
    const exit = await runChild(
      this.config.command,
      this.place(mode, attempt),
      killAfterMs === undefined ? undefined : Math.floor(killAfterMs),
    );
    const which = `${mode} child ${attempt}`;
    if (exit.timedOut) {
      this.fail(
        `${which} hung: still running after ${this.config.command.timeoutMs} ms${tail(exit)}`,
      );
    }
    if (!exit.killed && (exit.code !== 0 || !exit.ready)) {
      this.fail(
        `${which} failed (exit code ${exit.code}, signal ${exit.signal}${exit.ready ? '' : ', never called crashTestChild()'})${tail(exit)}`,
      );
    }
    return exit;
  }

  /** Compare the crashed series with the reference; fail on a difference. */
  compare(kills: number) {
    const reference = readResult(this.place('reference', 0).result);
    const crashed = readResult(this.place('crash', kills).result);
    if (reference === undefined || crashed === undefined) {
      return this.fail(
        `the ${reference === undefined ? 'uninterrupted' : 'last'} child exited without calling finish(states)`,
      );
    }
    const outputs = (mode: CrashMode, count: number) =>
      readOutputs(
        Array.from({ length: count }, (_, i) => this.place(mode, i).outputs),
      );
    const ref = outputs('reference', 1);
    const got = outputs('crash', kills + 1);
    const problems = [
      stateDifference(crashed.states, reference.states),
      ...outputDifferences(got, ref),
    ].filter((p) => p !== undefined);
    if (problems.length > 0) {
      this.fail(`crash test failed:\n  ${problems.join('\n  ')}`);
    }
    return { outputs: ref.values.size, duplicates: got.duplicates };
  }
}

function tail(exit: ChildExit): string {
  const text = exit.stderr.trim();
  return text === '' ? '' : `\n  stderr: ${text.slice(-2000)}`;
}
