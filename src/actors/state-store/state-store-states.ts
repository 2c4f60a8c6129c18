/**
 * The StateStore machine's states before `closed`: `uninitialized`, then
 * `initializing` or `loading`, then `ready`, where savepoints persist one
 * at a time, in timestamp order, paced by `persistIntervalMs`.
 *
 * @packageDocumentation
 */
import { assign } from 'xstate';
import type { Savepoint } from '../../schedule/index.js';
import { storeSetup } from './state-store-actions.js';
import type { StoreEvent } from './state-store-types.js';

/** Waiting for `init` or `load`. @internal */
export const uninitialized = storeSetup.createStateConfig({
  always: { guard: 'closing', target: 'closed' },
  on: {
    init: { target: 'initializing', actions: 'rememberRequest' },
    load: { target: 'loading', actions: 'rememberRequest' },
  },
});

/** Creating the run and its first, empty savepoint. @internal */
export const initializing = storeSetup.createStateConfig({
  invoke: {
    src: 'initRun',
    input: ({ context, event }) => {
      const { timestamp, ids } = event as Extract<StoreEvent, { type: 'init' }>;
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
});

/** Loading the newest readable savepoint. @internal */
export const loading = storeSetup.createStateConfig({
  invoke: {
    src: 'loadRun',
    input: ({ context, event }) => ({
      io: context.io,
      request: (event as Extract<StoreEvent, { type: 'load' }>).request,
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
});

/** Filing saves and persisting complete savepoints. @internal */
export const ready = storeSetup.createStateConfig({
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
});
