import { storeSetup } from './state-store-actions.js';
import {
  initializing,
  loading,
  ready,
  uninitialized,
} from './state-store-states.js';

/**
 * The StateStore as an xstate v5 machine: lifecycle (uninitialized →
 * initializing/loading → ready → closed) and the persistence queue. All I/O
 * runs in invoked promise actors; savepoints persist one at a time, in
 * timestamp order.
 *
 * @remarks
 * Built from `state-store-setup.ts` (types, actors, delay, guards),
 * `state-store-actions.ts` and `state-store-states.ts`.
 *
 * @internal Use `createStateStore`; the machine is exported for tests.
 */
export const stateStoreMachine = storeSetup.createMachine({
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
    uninitialized,
    initializing,
    loading,
    ready,
    closed: {
      type: 'final',
      entry: 'finishClose',
    },
  },
});

/** The StateStore machine's type. @internal */
export type StateStoreMachine = typeof stateStoreMachine;
