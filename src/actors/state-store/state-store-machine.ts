import { assign, fromPromise, setup } from 'xstate';
import { RunStateError, isRunStateError } from '../../errors.js';
import type { Savepoint } from '../../schedule/index.js';
import { applySaves } from './apply-saves.js';
import {
  initRun,
  loadRun,
  persistSavepoint,
  type InitOutput,
  type LoadOutput,
  type StoreIo,
  type UpdateFunction,
} from './state-store-io.js';
import type {
  Request,
  StoreContext,
  StoreEvent,
  StoreMachineInput,
} from './state-store-types.js';

type PersistInput = {
  io: StoreIo;
  savepoint: Savepoint<Uint8Array>;
  quarantine: readonly number[];
};

const busy = (what: string): RunStateError =>
  new RunStateError(
    'E_INVALID_STATE',
    `${what}: the store is already initialised or initialising`,
  );

/** Settle the head of the queue: resolve the flushes waiting for it. */
function settleHead(context: StoreContext): Partial<StoreContext> {
  const [head, ...queue] = context.queue;
  if (head === undefined) return {};
  const flushes = context.flushes.filter((waiter) => {
    if (waiter.until > head.timestamp) return true;
    waiter.resolve();
    return false;
  });
  return { queue, flushes };
}

/**
 * The StateStore as an xstate v5 machine: lifecycle (uninitialized →
 * initializing/loading → ready → closed) and the persistence queue. All I/O
 * runs in invoked promise actors; savepoints persist one at a time, in
 * timestamp order.
 *
 * @internal Use `createStateStore`; the machine is exported for tests.
 */
export const stateStoreMachine = setup({
  types: {
    context: {} as StoreContext,
    events: {} as StoreEvent,
    input: {} as StoreMachineInput,
  },
  actors: {
    initRun: fromPromise<
      InitOutput,
      { io: StoreIo; timestamp: number; ids: readonly string[] }
    >(({ input }) => initRun(input.io, input.timestamp, input.ids)),
    loadRun: fromPromise<
      LoadOutput,
      { io: StoreIo; update: UpdateFunction | undefined }
    >(({ input }) => loadRun(input.io, input.update)),
    persist: fromPromise<void, PersistInput>(({ input }) =>
      persistSavepoint(input.io, input.savepoint, input.quarantine),
    ),
  },
  delays: {
    persistInterval: ({ context }) => context.io.persistIntervalMs,
  },
  guards: {
    hasQueue: ({ context }) => context.queue.length > 0,
    paced: ({ context }) =>
      context.io.persistIntervalMs > 0 && !context.closing,
    closing: ({ context }) => context.closing,
  },
  actions: {
    rememberRequest: assign({
      request: ({ event }) =>
        'reject' in event ? (event as Request) : undefined,
    }),
    resolveRequest: assign(({ context, event }) => {
      context.request?.resolve((event as { output?: unknown }).output as never);
      return { request: undefined };
    }),
    rejectRequest: assign(({ context, event }) => {
      context.request?.reject((event as { error?: unknown }).error);
      return { request: undefined };
    }),
    rejectBusy: ({ event }) => {
      if (event.type === 'init' || event.type === 'load') {
        event.reject(busy(event.type));
      }
    },
    reportNotInitialized: ({ context, event }) => {
      if (event.type !== 'saves') return;
      for (const { id, timestamp } of event.batch) {
        const message = `save of entity ${JSON.stringify(id)} at ${timestamp} before initRunState()/loadRunState()`;
        const details = { runId: context.io.runId, entityId: id, timestamp };
        context.report(
          new RunStateError('E_NOT_INITIALIZED', message, { details }),
        );
      }
    },
    applySaves: assign(({ context, event }) =>
      event.type === 'saves' ? applySaves(context, event.batch) : {},
    ),
    flush: assign(({ context, event }) => {
      if (event.type !== 'flush') return {};
      const last = context.queue.at(-1);
      if (last === undefined) {
        event.resolve();
        return {};
      }
      const waiter = { until: last.timestamp, resolve: event.resolve };
      return { flushes: [...context.flushes, waiter] };
    }),
    requestClose: assign(({ context, event }) =>
      event.type === 'close'
        ? { closing: true, closes: [...context.closes, event.resolve] }
        : {},
    ),
    finishClose: assign(({ context }) => {
      const dropped = context.queue.map((sp) => sp.timestamp);
      if (dropped.length > 0) {
        const bindings = { runId: context.io.runId, dropped };
        context.io.logger.warn(bindings, 'close aborted: savepoints dropped');
      }
      for (const waiter of context.flushes) waiter.resolve();
      for (const resolve of context.closes) resolve();
      const runId = JSON.stringify(context.io.runId);
      context.request?.reject(
        new RunStateError('E_CLOSED', `store of run ${runId} closed`),
      );
      return { queue: [], flushes: [], closes: [], request: undefined };
    }),
    persisted: assign(({ context }) => {
      const head = context.queue[0];
      if (head === undefined) return {};
      const { runId, logger } = context.io;
      const info = {
        runId,
        timestamp: head.timestamp,
        entityCount: head.filled,
      };
      logger.debug(info, 'savepoint persisted');
      context.onPersisted(info);
      const { counters } = context;
      return {
        ...settleHead(context),
        quarantine: [],
        persistedNewest: head.timestamp,
        counters: { ...counters, persisted: counters.persisted + 1 },
      };
    }),
    persistFailed: assign(({ context, event }) => {
      const error = (event as { error?: unknown }).error as RunStateError;
      // A lost lease was reported as it was noticed (LeaseKeeper onLost).
      if (!isRunStateError(error, 'E_FENCED')) context.report(error);
      const { counters } = context;
      return {
        ...settleHead(context),
        counters: { ...counters, failed: counters.failed + 1 },
      };
    }),
  },
}).createMachine({
  id: 'stateStore',
  context: ({ input }) => ({
    ...input,
    runState: undefined,
    queue: [],
    quarantine: [],
    request: undefined,
    flushes: [],
    closes: [],
    closing: false,
    persistedNewest: undefined,
    writing: false,
    counters: {
      stale: 0,
      unknown: 0,
      discarded: 0,
      persisted: 0,
      failed: 0,
      superseded: 0,
    },
  }),
  on: {
    flush: { actions: 'flush' },
    close: { actions: 'requestClose' },
    abort: { target: '.closed' },
    init: { actions: 'rejectBusy' },
    load: { actions: 'rejectBusy' },
    saves: { actions: 'reportNotInitialized' },
  },
  initial: 'uninitialized',
  states: {
    uninitialized: {
      always: { guard: 'closing', target: 'closed' },
      on: {
        init: { target: 'initializing', actions: 'rememberRequest' },
        load: { target: 'loading', actions: 'rememberRequest' },
      },
    },
    initializing: {
      invoke: {
        src: 'initRun',
        input: ({ context, event }) => {
          const { timestamp, ids } = event as Extract<
            StoreEvent,
            { type: 'init' }
          >;
          return { io: context.io, timestamp, ids };
        },
        onDone: {
          target: 'ready',
          actions: [
            'resolveRequest',
            assign({ runState: ({ event }) => event.output.runState }),
          ],
        },
        onError: { target: 'uninitialized', actions: 'rejectRequest' },
      },
    },
    loading: {
      invoke: {
        src: 'loadRun',
        input: ({ context, event }) => ({
          io: context.io,
          update: (event as Extract<StoreEvent, { type: 'load' }>).update,
        }),
        onDone: {
          target: 'ready',
          actions: [
            'resolveRequest',
            assign({
              runState: ({ event }) => event.output.runState,
              quarantine: ({ event }) => event.output.skipped,
              persistedNewest: ({ event }) => event.output.timestamp,
            }),
          ],
        },
        onError: { target: 'uninitialized', actions: 'rejectRequest' },
      },
    },
    ready: {
      initial: 'idle',
      on: { saves: { actions: 'applySaves' } },
      states: {
        idle: {
          always: [
            { guard: 'hasQueue', target: 'persisting' },
            { guard: 'closing', target: '#stateStore.closed' },
          ],
        },
        persisting: {
          entry: assign({ writing: true }),
          exit: assign({ writing: false }),
          invoke: {
            src: 'persist',
            input: ({ context }) => ({
              io: context.io,
              savepoint: context.queue[0] as Savepoint<Uint8Array>,
              quarantine: context.quarantine,
            }),
            onDone: [
              { guard: 'paced', target: 'pacing', actions: 'persisted' },
              { target: 'idle', actions: 'persisted' },
            ],
            onError: { target: 'idle', actions: 'persistFailed' },
          },
        },
        pacing: {
          after: { persistInterval: { target: 'idle' } },
          on: {
            flush: { target: 'idle', actions: 'flush' },
            close: { target: 'idle', actions: 'requestClose' },
          },
        },
      },
    },
    closed: {
      type: 'final',
      entry: 'finishClose',
    },
  },
});

/** The StateStore machine's type. @internal */
export type StateStoreMachine = typeof stateStoreMachine;
