/**
 * One attempt of a supervised run: open a StateStore, resume from the
 * newest savepoint (or start fresh), replay the input through the
 * entities, and close the store. A failure ends the attempt with a typed
 * error; the supervisor (`run-machine.ts`) decides whether to restart.
 *
 * @packageDocumentation
 */
import { RunStateError, isRunStateError } from '../../errors.js';
import type { Entity } from '../entity.js';
import { resumeOrStart } from '../state-store/index.js';
import { createSlot, type EntitySlot } from './run-entity-slot.js';
import type { RunConfig } from './run-options.js';
import { Outbox } from './run-outbox.js';
import type { RunMessage } from './run-types.js';
import type { Position, RunProgress } from './run-progress.js';
import { replayReporter } from './run-metrics.js';
import {
  advance,
  inputFailed,
  judge,
  notAfter,
  openInput,
} from './run-input.js';
import { createStateStore } from '../state-store/index.js';

/** How long the loop may run before it lets timers (persistence) run. */
const YIELD_EVERY_MS = 10;

/** @internal */
export const yieldToTimers = (): Promise<void> =>
  new Promise((resolve) => setImmediate(resolve));

/**
 * Errors a restart cannot mend (replaying yields them again, or the
 * storage or its data cannot be used): they stop the run at once.
 *
 * @internal
 */
export const PERMANENT: ReadonlySet<string> = new Set([
  'E_INVALID_MESSAGE',
  'E_OUT_OF_ORDER',
  'E_INVALID_STATE',
  'E_UPDATE_FAILED',
  'E_VERSION_NEWER',
  'E_MIGRATION_FAILED',
  'E_NO_SAVEPOINT',
  'E_UNSTORABLE',
  'E_CORRUPTED',
  'E_FORMAT_VERSION',
  'E_SCHEMA_VERSION',
  'E_READ_ONLY',
  'E_CLOSED',
  'E_FENCED',
]);

/** The entities of the loaded or fresh run, in declaration order. */
function slotsFor(
  config: RunConfig,
  entities: readonly Entity<unknown>[],
  outbox: Outbox,
): EntitySlot[] {
  const byId = new Map(entities.map((e) => [e.id, e]));
  const declared = config.entities.map((spec) => spec.id);
  const missing = declared.filter((id) => !byId.has(id));
  if (missing.length > 0 || byId.size !== declared.length) {
    throw new RunStateError(
      'E_INVALID_STATE',
      `the savepoint holds entities [${[...byId.keys()].join(', ')}] but the run declares [${declared.join(', ')}]; migrate them with options.update`,
      { details: { loaded: [...byId.keys()], declared } },
    );
  }
  const emit = outbox.emit;
  return config.entities.map((spec) =>
    createSlot(spec, byId.get(spec.id)!, emit),
  );
}

/**
 * Run one attempt until the input ends (`'completed'`) or `signal` aborts
 * (`'stopped'`); throws the attempt's failure as a `RunStateError`.
 *
 * @internal
 */
export async function runAttempt(
  config: RunConfig,
  progress: RunProgress,
  signal: AbortSignal,
): Promise<'completed' | 'stopped'> {
  let failure: RunStateError | undefined;
  // A lost lease stops the attempt at once, also while the input is idle:
  // the input's signal aborts, so a live source does not keep it waiting.
  const fence = new AbortController();
  const onAbort = (): void => fence.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const store = createStateStore({
    runId: config.runId,
    schedule: config.schedule,
    storage: config.storage,
    ...(config.keep === undefined ? {} : { keep: config.keep }),
    persistIntervalMs: config.persistIntervalMs,
    clock: config.clock,
    lease: config.lease,
    ...(config.codec === undefined ? {} : { codec: config.codec }),
    ...config.versioning,
    logger: config.logger,
    ...(config.metrics === undefined ? {} : { metrics: config.metrics }),
    onError: (error) => {
      failure ??= error;
      if (isRunStateError(error, 'E_FENCED')) fence.abort(error);
    },
    onPersisted: (info) => {
      progress.newestPersisted = info.timestamp;
      config.onPersisted?.(info);
    },
  });
  progress.phase = 'starting';
  progress.store = store;
  let slots: EntitySlot[] = [];
  const reportReplayed = replayReporter(config, progress.counters);
  try {
    const start = await resumeOrStart(store, {
      startFrom: config.startFrom,
      entities: config.entities.map((spec) => [spec.id, spec.initial()]),
      ...(config.update === undefined ? {} : { update: config.update }),
      ...(config.at === undefined || progress.loaded === true
        ? {}
        : { at: config.at }),
    });
    progress.loaded = true;
    if (start.resumed) progress.newestPersisted = start.timestamp;
    const outbox = new Outbox(config.output, progress.counters);
    slots = slotsFor(config, start.entities, outbox);
    progress.phase = 'running';
    const from = start.timestamp;
    // Stopped (or fenced) while starting: never open the input, whose
    // signal would already be aborted (an abort listener never fires).
    if (fence.signal.aborted) {
      if (failure !== undefined) throw failure;
      return 'stopped';
    }
    const loop = {
      config,
      progress,
      slots,
      outbox,
      signal: fence.signal,
      reportReplayed,
    };
    let ended: 'completed' | 'stopped';
    try {
      ended = await consume(loop, from, () => failure);
    } catch (error) {
      // An input honouring the signal may end by throwing (an AbortError).
      if (failure !== undefined && fence.signal.aborted) throw failure;
      if (signal.aborted && !(error instanceof RunStateError)) return 'stopped';
      throw inputFailed(error); // only the input throws non-RunStateErrors
    }
    if (ended === 'completed') await store.flush();
    if (failure !== undefined) throw failure;
    return ended;
  } finally {
    signal.removeEventListener('abort', onAbort);
    reportReplayed();
    for (const slot of slots) {
      progress.states.set(slot.id, slot.finalState());
      slot.stop();
    }
    await store.close();
  }
}

interface Loop {
  readonly config: RunConfig;
  readonly progress: RunProgress;
  readonly slots: readonly EntitySlot[];
  readonly outbox: Outbox;
  readonly signal: AbortSignal;
  /** Hand replayed messages counted since the last call to the metrics. */
  readonly reportReplayed: () => void;
}

/**
 * Feed the input from `from` through the entities: before each message
 * every entity acks its timestamp, then the entities that accept it handle
 * it, then its outputs are delivered.
 */
async function consume(
  loop: Loop,
  from: number,
  failure: () => RunStateError | undefined,
): Promise<'completed' | 'stopped'> {
  const { progress, slots, outbox, signal } = loop;
  const { counters, highWater } = progress;
  const here: Position = { timestamp: -1, count: 0 };
  let last = from;
  let started = false;
  let sinceYield = 0;
  let yieldAt = performance.now() + YIELD_EVERY_MS;
  let stopped = signal.aborted; // a local flag: cheaper than the getter
  signal.addEventListener('abort', () => void (stopped = true), { once: true });
  for await (const message of openInput(
    loop.config,
    from,
    signal,
  ) as AsyncIterable<RunMessage>) {
    const stored = failure();
    if (stored !== undefined) throw stored;
    const ts = (message as RunMessage | null)?.timestamp as number;
    if (ts >= last && Number.isSafeInteger(ts)) {
      last = ts;
    } else if (
      judge(loop.config, counters, message, started ? last : undefined)
    ) {
      continue;
    }
    started = true;
    advance(here, ts);
    outbox.replaying = notAfter(here, highWater);
    for (const slot of slots) if (ts >= slot.next) slot.save(ts);
    for (const slot of slots) slot.handle(message, ts, last);
    counters.messages++;
    if (outbox.replaying) counters.replayed++;
    progress.lastProcessed = ts;
    if (outbox.pending) await outbox.deliver();
    if (!outbox.replaying) {
      highWater.timestamp = here.timestamp;
      highWater.count = here.count;
    }
    if (stopped) return 'stopped';
    if (++sinceYield === 1024) {
      sinceYield = 0;
      if (performance.now() >= yieldAt) {
        loop.reportReplayed();
        await yieldToTimers(); // an input that never waits starves timers
        yieldAt = performance.now() + YIELD_EVERY_MS;
      }
    }
  }
  return signal.aborted ? 'stopped' : 'completed';
}
