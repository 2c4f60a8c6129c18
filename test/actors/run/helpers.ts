/**
 * Shared pieces of the supervised-run tests: a deterministic stream, its
 * reducers, and a run over a MemoryStorage that records what it saw.
 */
import {
  MemoryStorage,
  startRun,
  type RestartInfo,
  type RunOptions,
  type RunOutput,
  type StorageAdapter,
} from '../../../src/index.js';

/** A message of the test stream. */
export interface Tick {
  readonly timestamp: number;
  readonly kind: 'add' | 'mul';
  readonly value: number;
}

/** `count` messages, 100 ms apart from `from`, alternating kinds. */
export function ticks(count: number, from = 0): Tick[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: from + i * 100,
    kind: i % 3 === 0 ? 'mul' : 'add',
    value: (i * 7) % 11,
  }));
}

/** The stream replayable from a timestamp, recording every call. */
export function replayable(messages: readonly Tick[]) {
  const calls: number[] = [];
  const input = (from: number): Iterable<Tick> => {
    calls.push(from);
    return messages.filter((m) => m.timestamp >= from);
  };
  return { input, calls };
}

/** The sum of `add` values; emits the running sum at every 10th message. */
export const sum = {
  initial: 0,
  accepts: (m: Tick) => m.kind === 'add',
  reduce: (
    state: number,
    m: Tick,
    ctx: { emit(value: unknown): void; timestamp: number },
  ) => {
    const next = state + m.value;
    if ((m.timestamp / 100) % 10 === 1) ctx.emit(next);
    return next;
  },
};

/** A product modulo a prime over `mul` values. */
export const product = {
  initial: 1,
  accepts: (m: Tick) => m.kind === 'mul',
  reduce: (state: number, m: Tick) => (state * (m.value + 1)) % 1_000_003,
};

/** What a fold over the whole stream gives, for comparison. */
export function expectedStates(messages: readonly Tick[]) {
  let s = sum.initial;
  let p = product.initial;
  const outputs: [string, unknown][] = [];
  for (const m of messages) {
    if (sum.accepts(m)) {
      s = sum.reduce(s, m, {
        timestamp: m.timestamp,
        emit: (v) => outputs.push([`sum@${m.timestamp}`, v]),
      });
    }
    if (product.accepts(m)) p = product.reduce(p, m);
  }
  return { states: { sum: s, product: p }, outputs };
}

/** Outputs deduplicated by (entity, timestamp, index), as `[key, value]`. */
export function dedupe(outputs: readonly RunOutput[]): [string, unknown][] {
  const seen = new Map<string, unknown>();
  for (const o of outputs) {
    const key = `${o.entityId}@${o.timestamp}${o.index > 0 ? `#${o.index}` : ''}`;
    if (!seen.has(key)) seen.set(key, o.value);
  }
  return [...seen];
}

/** Start a run of `sum` and `product` over `messages`, recording everything. */
export async function testRun(
  messages: readonly Tick[],
  overrides: Partial<RunOptions<Tick>> & { storage?: StorageAdapter } = {},
) {
  const storage = overrides.storage ?? (await MemoryStorage.open());
  const outputs: RunOutput[] = [];
  const restarts: RestartInfo[] = [];
  const { input, calls } = replayable(messages);
  const run = startRun<Tick>({
    runId: 'run-1',
    storage,
    schedule: 1_000,
    startFrom: 0,
    entities: { sum, product },
    input,
    output: (o) => void outputs.push(o),
    onRestart: (info) => void restarts.push(info),
    ...overrides,
  });
  return { run, storage, outputs, restarts, calls };
}

/** A one-shot signal: `wait` resolves once `fire()` was called. */
export function latch() {
  let fire: () => void = () => undefined;
  const wait = new Promise<void>((resolve) => (fire = resolve));
  return { wait, fire };
}

/** `sum`, but throwing at the message at `at`, `times` times. */
export function flakySum(at: number, times = 1) {
  let left = times;
  return {
    ...sum,
    reduce: (...args: Parameters<typeof sum.reduce>) => {
      if (args[1].timestamp === at && left-- > 0)
        throw new Error(`boom at ${at}`);
      return sum.reduce(...args);
    },
  };
}
