import { assign, fromPromise, setup } from 'xstate';
import { RunStateError } from '../errors.js';
import type { Savepoint } from '../schedule/savepoint.js';
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

const busy = (what: string): RunStateError =>
  new RunStateError(
    'E_INVALID_STATE',
    `${what}: the store is already initialised or initialising`,
  );

/**
 * The StateStore as an xstate v5 machine: lifecycle (uninitialized →
 * initializing/loading → ready → closed) and the persistence queue. All I/O
 * runs in invoked promise actors; savepoints persist one at a time, in
 * timestamp order.
 *
 * @internal Use {@link createStateStore}; the machine is exported for tests.
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
    persist: fromPromise<
      void,
      {
        io: StoreIo;
        savepoint: Savepoint<Uint8Array>;
        quarantine: readonly number[];
      }
    >(({ input }) =>
      persistSavepoint(input.io, input.savepoint, input.quarantine),
    ),
  },
  guards: {
    hasQueue: ({ context }) => context.queue.length > 0,
    closing: ({ context }) => context.closing,
  },
  actions: {
    rememberRequest: assign({
      request: ({ event }) =>
        'reject' in event ? (event as Request) : undefined,
    }),
    rejectRequest: ({ context, event }) => {
      context.request?.reject((event as { error?: unknown }).error);
    },
    rejectBusy: ({ event }) => {
      if (event.type === 'init' || event.type === 'load')
        event.reject(busy(event.type));
    },
    reportNotInitialized: ({ context, event }) => {
      if (event.type !== 'saves') return;
      for (const item of event.batch) {
        context.report(
          new RunStateError(
            'E_NOT_INITIALIZED',
            `save of entity ${JSON.stringify(item.id)} at ${item.timestamp} before initRunState()/loadRunState()`,
            {
              details: {
                runId: context.io.runId,
                entityId: item.id,
                timestamp: item.timestamp,
              },
            },
          ),
        );
      }
    },
    applySaves: assign(({ context, event }) =>
      event.type === 'saves' ? applySaves(context, event.batch) : {},
    ),
    resolveNow: ({ event }) => {
      if (event.type === 'flush' || event.type === 'close') event.resolve();
    },
    addWaiter: assign({
      waiters: ({ context, event }) =>
        event.type === 'flush'
          ? [...context.waiters, event.resolve]
          : context.waiters,
    }),
    requestClose: assign({
      closing: true,
      waiters: ({ context, event }) =>
        event.type === 'close'
          ? [...context.waiters, event.resolve]
          : context.waiters,
    }),
    resolveWaitersIfDrained: assign({
      waiters: ({ context }) => {
        if (context.queue.length > 0) return context.waiters;
        for (const resolve of context.waiters) resolve();
        return [];
      },
    }),
    persisted: assign(({ context }) => {
      const [savepoint, ...queue] = context.queue;
      if (savepoint === undefined) return {};
      context.onPersisted({
        runId: context.io.runId,
        timestamp: savepoint.timestamp,
        entityCount: savepoint.filled,
      });
      const counters = {
        ...context.counters,
        persisted: context.counters.persisted + 1,
      };
      return {
        queue,
        quarantine: [],
        persistedNewest: savepoint.timestamp,
        counters,
      };
    }),
    persistFailed: assign(({ context, event }) => {
      context.report((event as { error?: unknown }).error as RunStateError);
      const counters = {
        ...context.counters,
        failed: context.counters.failed + 1,
      };
      return { queue: context.queue.slice(1), counters };
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
    waiters: [],
    closing: false,
    persistedNewest: undefined,
    counters: { stale: 0, unknown: 0, discarded: 0, persisted: 0, failed: 0 },
  }),
  initial: 'uninitialized',
  states: {
    uninitialized: {
      always: { guard: 'closing', target: 'closed' },
      on: {
        init: { target: 'initializing', actions: 'rememberRequest' },
        load: { target: 'loading', actions: 'rememberRequest' },
        saves: { actions: 'reportNotInitialized' },
        flush: { actions: 'resolveNow' },
        close: { actions: 'requestClose', target: 'closed' },
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
            ({ context, event }) =>
              context.request?.resolve(event.output as never),
            assign({
              runState: ({ event }) => event.output.runState,
              request: undefined,
            }),
          ],
        },
        onError: {
          target: 'uninitialized',
          actions: ['rejectRequest', assign({ request: undefined })],
        },
      },
      on: {
        init: { actions: 'rejectBusy' },
        load: { actions: 'rejectBusy' },
        saves: { actions: 'reportNotInitialized' },
        flush: { actions: 'resolveNow' },
        close: { actions: 'requestClose' },
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
            ({ context, event }) =>
              context.request?.resolve(event.output as never),
            assign({
              runState: ({ event }) => event.output.runState,
              quarantine: ({ event }) => event.output.skipped,
              persistedNewest: ({ event }) => event.output.timestamp,
              request: undefined,
            }),
          ],
        },
        onError: {
          target: 'uninitialized',
          actions: ['rejectRequest', assign({ request: undefined })],
        },
      },
      on: {
        init: { actions: 'rejectBusy' },
        load: { actions: 'rejectBusy' },
        saves: { actions: 'reportNotInitialized' },
        flush: { actions: 'resolveNow' },
        close: { actions: 'requestClose' },
      },
    },
    ready: {
      initial: 'idle',
      on: {
        saves: { actions: 'applySaves' },
        init: { actions: 'rejectBusy' },
        load: { actions: 'rejectBusy' },
        close: { actions: 'requestClose' },
      },
      states: {
        idle: {
          entry: 'resolveWaitersIfDrained',
          always: [
            { guard: 'hasQueue', target: 'persisting' },
            { guard: 'closing', target: '#stateStore.closed' },
          ],
          on: { flush: { actions: 'resolveNow' } },
        },
        persisting: {
          invoke: {
            src: 'persist',
            input: ({ context }) => ({
              io: context.io,
              savepoint: context.queue[0] as Savepoint<Uint8Array>,
              quarantine: context.quarantine,
            }),
            onDone: { target: 'idle', actions: 'persisted' },
            onError: { target: 'idle', actions: 'persistFailed' },
          },
          on: { flush: { actions: 'addWaiter' } },
        },
      },
    },
    closed: {
      type: 'final',
      entry: 'resolveWaitersIfDrained',
    },
  },
});

/** The StateStore machine's type. @internal */
export type StateStoreMachine = typeof stateStoreMachine;
