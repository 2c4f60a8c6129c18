/**
 * Scenario (f): many runs in one process. For each count of
 * {@link RUN_COUNTS}, a fresh child process (run-many-child.ts, with
 * `--expose-gc`) hosts that many concurrent idle runs over one shared SQLite
 * file, and reports the memory per idle run (heap and RSS growth over the
 * baseline, after collection), the time until every run had loaded and
 * persisted its first savepoint, the CPU used while idle, and the time to
 * stop them all. No floor: the figure is the cost itself.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManyRunsResult } from './run-many-child.js';

export type { ManyRunsResult } from './run-many-child.js';

/** How many concurrent runs each child hosts. */
export const RUN_COUNTS = [1_000, 5_000] as const;
const CHILD_TIMEOUT_MS = 240_000;

function runChild(n: number): Promise<ManyRunsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'runstate-bench-many-'));
  const child = fork(
    new URL('./run-many-child.ts', import.meta.url),
    [String(n), dir],
    {
      execArgv: [...process.execArgv, '--expose-gc'],
      timeout: CHILD_TIMEOUT_MS,
    },
  );
  return new Promise<ManyRunsResult>((resolve, reject) => {
    let result: ManyRunsResult | undefined;
    child.on('message', (message) => (result = message as ManyRunsResult));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      if (result !== undefined && code === 0) resolve(result);
      else
        reject(
          new Error(
            `run-many child (${n} runs) failed: code ${code}, signal ${signal}`,
          ),
        );
    });
  });
}

/** Scenario (f), one child per count. */
export async function runManyRunsBench(
  log: (line: string) => void,
): Promise<ManyRunsResult[]> {
  const results: ManyRunsResult[] = [];
  for (const n of RUN_COUNTS) {
    log(`  ${n} concurrent runs…`);
    results.push(await runChild(n));
  }
  return results;
}
