/**
 * The StateStore machine's setup: its types, the invoked promise actors
 * that do all of its I/O, its delay and its guards. The actions are added
 * in `state-store-actions.ts`, the states in `state-store-states.ts`.
 *
 * @packageDocumentation
 */
import { fromPromise, setup } from 'xstate';
import type { Savepoint } from '../../schedule/index.js';
import {
  initRun,
  persistSavepoint,
  type InitOutput,
  type StoreIo,
} from './state-store-io.js';
import {
  loadRun,
  type LoadOutput,
  type LoadRequest,
} from './state-store-load.js';
import type {
  StoreContext,
  StoreEvent,
  StoreMachineInput,
} from './state-store-types.js';

type PersistInput = {
  io: StoreIo;
  savepoint: Savepoint<Uint8Array>;
  quarantine: readonly number[];
};

/**
 * The machine's types, actors, delay and guards, without actions.
 *
 * @internal
 */
export const baseSetup = setup({
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
    loadRun: fromPromise<LoadOutput, { io: StoreIo; request: LoadRequest }>(
      ({ input }) => loadRun(input.io, input.request),
    ),
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
});
