/**
 * An entity that throws (issue 5 item 6): in-process runs of the crash model
 * whose ledger reducer throws at a chosen message. Thrown once, the run
 * restarts from its newest savepoint and ends exactly as an uninterrupted
 * run; thrown every time, it ends with `E_RESTART_LIMIT` after exactly
 * `maxRestarts` restarts.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  RunStateError,
  startRun,
  type RestartInfo,
  type RunOutput,
} from 'runstate';
import { foldModel, inputOf, outputKey } from './run-crash-fold.js';
import {
  RUN_ID,
  SCHEDULE,
  START_FROM,
  crashEntities,
  messages,
  type CrashMessage,
} from './run-crash-model.js';

const SEED = 20_240_601;
const MESSAGES = 50_000;

type Pick = (message: CrashMessage, previous: CrashMessage) => boolean;

const anyLedger: Pick = (m) => m.kind === 'deposit' || m.kind === 'withdraw';
/** A large deposit (the ledger emits) at the timestamp of the one before. */
const sharedAndEmitting: Pick = (m, previous) =>
  m.timestamp === previous.timestamp && m.kind === 'deposit' && m.amount > 995;

/** The first message at or after `seq` that `pick` picks. */
function messageFrom(seq: number, pick: Pick): CrashMessage {
  let previous: CrashMessage | undefined;
  for (const m of messages(SEED, MESSAGES)) {
    if (m.seq >= seq && previous !== undefined && pick(m, previous)) return m;
    previous = m;
  }
  throw new Error(`no message to pick after ${seq}`);
}

/** A run of the model whose ledger throws on `at` while `fail()` says so. */
function failingRun(at: CrashMessage, fail: () => boolean, maxRestarts = 3) {
  const boom = new Error(`ledger refuses message ${at.seq}`);
  const restarts: RestartInfo[] = [];
  const delivered: RunOutput[] = [];
  const starts: number[] = [];
  const input = inputOf(SEED, MESSAGES);
  const entities = crashEntities((reduce) => (state, message, ctx) => {
    if (message.seq === at.seq && fail()) throw boom;
    return reduce(state, message, ctx);
  });
  const run = startRun({
    runId: RUN_ID,
    storage: new MemoryStorage(),
    schedule: SCHEDULE,
    startFrom: START_FROM,
    entities,
    input: (from: number, options: { readonly signal: AbortSignal }) => {
      starts.push(from);
      return input(from, options);
    },
    output: (output) => void delivered.push(output),
    maxRestarts,
    withinMs: 600_000,
    onRestart: (info) => void restarts.push(info),
  });
  return { run, boom, restarts, delivered, starts };
}

/** Deduplicate outputs; a key delivered twice must carry the same value. */
function dedup(outputs: readonly RunOutput[]): Map<string, string> {
  const byKey = new Map<string, string>();
  for (const o of outputs) {
    const key = outputKey(o.entityId, o.timestamp, o.index);
    const json = JSON.stringify(o.value);
    expect(byKey.get(key) ?? json).toBe(json);
    byKey.set(key, json);
  }
  return byKey;
}

describe('startRun with an entity that throws', () => {
  const expected = foldModel(SEED, MESSAGES);

  it.each([
    ['before the first savepoint (a fresh restart)', 100, anyLedger, false],
    ['on a message sharing its timestamp', 30_000, sharedAndEmitting, true],
  ])(
    'restarts once when it throws %s, and ends as if it had not',
    async (_when, seq, pick, resumed) => {
      const at = messageFrom(seq, pick);
      let thrown = false;
      const failing = failingRun(at, () => {
        thrown = !thrown;
        return thrown;
      });
      const { run, boom, restarts, delivered, starts } = failing;
      const result = await run.done;

      expect(starts).toHaveLength(2);
      expect(starts[0]).toBe(START_FROM);
      if (resumed) expect(starts[1]).toBeGreaterThan(START_FROM);
      else expect(starts[1]).toBe(START_FROM);
      expect(restarts).toHaveLength(1);
      const [info] = restarts;
      expect(info?.cause).toBeInstanceOf(RunStateError);
      expect(info?.cause.code).toBe('E_ENTITY_FAILED');
      expect(info?.cause.cause).toBe(boom);
      expect(info?.restarts).toBe(1);
      expect(info?.lastProcessed).toBeLessThanOrEqual(at.timestamp);
      expect(run.status().restarts).toBe(1);
      expect(run.status().phase).toBe('completed');
      expect(result.reason).toBe('completed');
      expect(result.restarts).toBe(1);

      expect(result.states).toEqual(expected.states);
      expect(dedup(delivered)).toEqual(expected.outputs);
      // What the restart replayed is flagged, and only that: a sink that
      // skips replayed outputs gets each output exactly once.
      const fresh = delivered.filter((o) => !o.replayed);
      expect(fresh).toHaveLength(expected.outputs.size);
      expect(dedup(fresh)).toEqual(expected.outputs);
      expect(delivered.length).toBeGreaterThan(fresh.length);
    },
  );

  it('stops with E_RESTART_LIMIT after maxRestarts when it always throws', async () => {
    const at = messageFrom(30_000, anyLedger);
    const { run, boom, restarts } = failingRun(at, () => true, 2);

    const error = await run.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunStateError);
    const limit = error as RunStateError;
    expect(limit.code).toBe('E_RESTART_LIMIT');
    expect(limit.cause).toBeInstanceOf(RunStateError);
    expect((limit.cause as RunStateError).code).toBe('E_ENTITY_FAILED');
    expect((limit.cause as RunStateError).cause).toBe(boom);
    expect(restarts.map((r) => r.restarts)).toEqual([1, 2]);
    expect(restarts.map((r) => r.cause.cause)).toEqual([boom, boom]);
    expect(run.status().restarts).toBe(2);
    expect(run.status().phase).toBe('failed');
    expect(run.status().lastError).toBe(limit);
  });
});
