/**
 * The StateStore machine's actions: answering init/load requests, filing
 * saves, flush and close waiters, and the bookkeeping after each persist.
 * All synchronous; the I/O is in the actors of `state-store-setup.ts`.
 *
 * @packageDocumentation
 */
import { assign } from 'xstate';
import { RunStateError } from '../../errors.js';
import { applySaves } from './apply-saves.js';
import { baseSetup } from './state-store-setup.js';
import type { Request, StoreContext } from './state-store-types.js';

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

/** The init/load request actions, and saves before either. */
const requestSetup = baseSetup.extend({
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
  },
});

/** Plus the queue actions: saves, flush, close, persist outcomes. */
const queueSetup = requestSetup.extend({
  actions: {
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
  },
});

/**
 * The machine's setup with every action: what the states and the machine
 * are built from.
 *
 * @internal
 */
export const storeSetup = queueSetup.extend({
  actions: {
    persisted: assign(({ context }) => {
      const head = context.queue[0];
      if (head === undefined) return {};
      const { runId, logger } = context.io;
      const info = {
        runId,
        timestamp: head.timestamp,
        entityCount: head.filled,
        version: context.io.version,
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
      context.report((event as { error?: unknown }).error as RunStateError);
      const { counters } = context;
      return {
        ...settleHead(context),
        counters: { ...counters, failed: counters.failed + 1 },
      };
    }),
  },
});
