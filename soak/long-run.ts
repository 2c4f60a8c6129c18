/**
 * Soak part "long run": a supervised run of the crash model (two reducers and
 * an xstate machine, `test/actors/run/crash/run-crash-model.ts`) over many
 * messages on a SQLite file wrapped in `faultyStorage`, with entities that
 * throw at seeded random messages (each once) and storage calls that fail or
 * commit-then-fail at a seeded random rate. Its final states and its outputs,
 * deduplicated, must equal a plain fold of the same messages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { startRun, type RunOutput } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import { faultyStorage, type FaultAction } from 'runstate/testing';
import {
  foldModel,
  inputOf,
  outputKey,
} from '../test/actors/run/crash/run-crash-fold.js';
import {
  RUN_ID,
  SCHEDULE,
  START_FROM,
  crashEntities,
} from '../test/actors/run/crash/run-crash-model.js';
import { prng } from '../test/support/prng.js';

/** What one long run saw. */
export interface LongRunResult {
  readonly messages: number;
  readonly seed: number;
  readonly handled: number;
  readonly entityFailures: number;
  readonly storageFaults: number;
  readonly commitThenFail: number;
  readonly restarts: number;
  readonly outputs: number;
  readonly duplicates: number;
  readonly statesEqual: boolean;
  readonly outputsEqual: boolean;
  readonly seconds: number;
}

/**
 * Run `count` messages with an entity failure about every
 * `failEvery` messages and `faultRate` of storage calls faulted.
 */
export async function longRun(
  count: number,
  seed: number,
  failEvery = 500_000,
  faultRate = 0.05,
): Promise<LongRunResult> {
  const started = performance.now();
  const rand = prng(seed ^ 0x5eed);
  const failAt = new Set<number>();
  for (let i = 0; i < count / failEvery; i++) {
    failAt.add(Math.floor(rand() * count));
  }
  const thrown = new Set<number>();
  const entities = crashEntities((reduce) => (state, message, ctx) => {
    if (failAt.has(message.seq) && !thrown.has(message.seq)) {
      thrown.add(message.seq);
      throw new Error(`injected entity failure at ${message.seq}`);
    }
    return reduce(state, message, ctx);
  });
  const dir = mkdtempSync(join(tmpdir(), 'soak-long-'));
  const faults = prng(seed ^ 0xfa17);
  const storage = faultyStorage(
    await SqliteStorage.open({ path: join(dir, 'run.db') }),
    {
      decide: (): FaultAction | undefined => {
        const r = faults();
        if (r < faultRate / 2) return 'fail';
        if (r < faultRate) return 'commit-then-fail';
        return undefined;
      },
    },
  );
  const seen = new Map<string, string>();
  let duplicates = 0;
  let conflicts = 0;
  const run = startRun({
    runId: RUN_ID,
    storage,
    schedule: SCHEDULE,
    startFrom: START_FROM,
    entities,
    input: inputOf(seed, count),
    output: (o: RunOutput) => {
      const key = outputKey(o.entityId, o.timestamp, o.index);
      const json = JSON.stringify(o.value);
      const before = seen.get(key);
      if (before === undefined) seen.set(key, json);
      else if (before === json) duplicates++;
      else conflicts++;
    },
    persistIntervalMs: 0,
    maxRestarts: 1_000_000,
    withinMs: 1,
  });
  const result = await run.done;
  const handled = run.status().counters.messages;
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
  const expected = foldModel(seed, count);
  const calls = storage.calls;
  return {
    messages: count,
    seed,
    handled,
    entityFailures: thrown.size,
    storageFaults: calls.filter((c) => c.action === 'fail').length,
    commitThenFail: calls.filter((c) => c.action === 'commit-then-fail').length,
    restarts: result.restarts,
    outputs: seen.size,
    duplicates,
    statesEqual: isDeepStrictEqual(result.states, expected.states),
    outputsEqual: conflicts === 0 && isDeepStrictEqual(seen, expected.outputs),
    seconds: (performance.now() - started) / 1000,
  };
}
