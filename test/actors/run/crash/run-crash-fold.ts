/**
 * The uninterrupted result of the crash model, computed without `startRun`:
 * a plain fold of the messages through the entities, numbering outputs per
 * (entity, timestamp) as the run's contract says. It is the oracle the
 * killed and restarted runs are compared with.
 */
import { createActor } from 'xstate';
import { ensureError, type EntityContext } from 'runstate';
import {
  crashEntities,
  messages,
  type CrashMessage,
  type CrashOutput,
} from './run-crash-model.js';

/** Outputs by `outputKey`, each as its value's JSON. */
export type OutputMap = Map<string, string>;

/** What a run of the model ends with. */
export interface ModelResult {
  readonly states: ReadonlyMap<string, unknown>;
  readonly outputs: OutputMap;
}

/** The identity of an output: `(entityId, timestamp, index)`. */
export function outputKey(
  entityId: string,
  timestamp: number,
  index: number,
): string {
  return `${entityId}|${timestamp}|${index}`;
}

/** A reducer's context that records into `outputs`. */
function recorder(entityId: string, outputs: OutputMap) {
  let index = 0;
  const context = {
    entityId,
    timestamp: -1,
    emit(value: CrashOutput) {
      outputs.set(
        outputKey(entityId, context.timestamp, index++),
        JSON.stringify(value),
      );
    },
  };
  return (timestamp: number): EntityContext<CrashOutput> => {
    if (timestamp !== context.timestamp) index = 0;
    context.timestamp = timestamp;
    return context;
  };
}

/** Fold the first `count` messages of `seed` through fresh entities. */
export function foldModel(seed: number, count: number): ModelResult {
  const outputs: OutputMap = new Map();
  const { ledger, stats, breaker } = crashEntities();
  let ledgerState = ledger.initial;
  let statsState = stats.initial;
  const ledgerCtx = recorder('ledger', outputs);
  const statsCtx = recorder('stats', outputs);
  const actor = createActor(breaker.machine);
  let failure: unknown;
  actor.subscribe({ error: (error) => void (failure = error) });
  let machineAt = -1;
  let machineIndex = 0;
  actor.on('*', (event: unknown) => {
    const key = outputKey('breaker', machineAt, machineIndex++);
    outputs.set(key, JSON.stringify(event));
  });
  actor.start();
  for (const m of messages(seed, count)) {
    if (ledger.accepts!(m)) {
      ledgerState = ledger.reduce(ledgerState, m, ledgerCtx(m.timestamp));
    }
    statsState = stats.reduce(statsState, m, statsCtx(m.timestamp));
    if (breaker.accepts!(m)) {
      if (m.timestamp !== machineAt) machineIndex = 0;
      machineAt = m.timestamp;
      actor.send(breaker.toEvent!(m));
    }
  }
  if (failure !== undefined) throw ensureError(failure);
  const states = new Map<string, unknown>([
    ['ledger', ledgerState],
    ['stats', statsState],
    ['breaker', actor.getPersistedSnapshot()],
  ]);
  actor.stop();
  return { states, outputs };
}

/** The messages of the model as `input` wants them. */
export function inputOf(seed: number, count: number) {
  return (from: number, { signal }: { readonly signal: AbortSignal }) =>
    messages(seed, count, from, signal) as Iterable<CrashMessage>;
}
