/**
 * The supervisor of a run, an xstate v5 machine: it invokes one attempt at
 * a time (`run-attempt.ts`) and, when an attempt fails, restarts every
 * entity together from the newest savepoint (one-for-all), within the
 * restart intensity `maxRestarts` / `withinMs`, as an OTP supervisor does.
 *
 * @packageDocumentation
 */
import { assign, fromPromise, setup } from 'xstate';
import { RunStateError, ensureError } from '../../errors.js';
import { PERMANENT, runAttempt } from './run-attempt.js';
import type { RunProgress } from './run-progress.js';
import type { RunConfig } from './run-options.js';

/** The supervisor's context. */
export interface RunMachineContext {
  readonly config: RunConfig;
  readonly progress: RunProgress;
  /** Aborted by `stop`; a new one per attempt. */
  controller: AbortController;
  stopRequested: boolean;
  /** When each failure within the intensity window happened. */
  failures: readonly number[];
  restarts: number;
  lastError: RunStateError | undefined;
}

type AttemptInput = Pick<RunMachineContext, 'config' | 'progress'> & {
  readonly signal: AbortSignal;
};

function asRunStateError(error: unknown): RunStateError {
  if (error instanceof RunStateError) return error;
  const cause = ensureError(error);
  return new RunStateError(
    'E_INVALID_STATE',
    `run attempt failed: ${cause.message}`,
    { cause },
  );
}

/** The failures still inside the window, this one included. */
function failuresWithin(context: RunMachineContext): number[] {
  const now = context.config.now();
  const since = now - context.config.withinMs;
  return [...context.failures.filter((t) => t > since), now];
}

function limitError(context: RunMachineContext, cause: RunStateError) {
  const { maxRestarts, withinMs, runId } = context.config;
  return new RunStateError(
    'E_RESTART_LIMIT',
    `run ${JSON.stringify(runId)} failed more than ${maxRestarts} times within ${withinMs} ms; last failure: ${cause.message}`,
    { cause, details: { runId, restarts: context.restarts } },
  );
}

/** The supervisor machine. */
export const runMachine = setup({
  types: {
    context: {} as RunMachineContext,
    events: {} as { type: 'stop' },
    input: {} as Pick<RunMachineContext, 'config' | 'progress'>,
  },
  actors: {
    attempt: fromPromise<'completed' | 'stopped', AttemptInput>(({ input }) =>
      runAttempt(input.config, input.progress, input.signal),
    ),
  },
  delays: {
    restartDelay: ({ context }) => context.config.restartDelayMs,
  },
  guards: {
    stopped: ({ context }) => context.stopRequested,
    attemptStopped: ({ event }) =>
      (event as { output?: unknown }).output === 'stopped',
    permanent: ({ event }) =>
      PERMANENT.has(asRunStateError((event as { error?: unknown }).error).code),
    withinIntensity: ({ context }) =>
      failuresWithin(context).length <= context.config.maxRestarts,
  },
  actions: {
    markStop: assign({ stopRequested: () => true }),
    abortAttempt: ({ context }) => context.controller.abort(),
    newController: assign({ controller: () => new AbortController() }),
    fail: assign({
      lastError: ({ event }) =>
        asRunStateError((event as { error?: unknown }).error),
    }),
    failAtLimit: assign({
      lastError: ({ context, event }) =>
        limitError(
          context,
          asRunStateError((event as { error?: unknown }).error),
        ),
    }),
    recordRestart: assign(({ context, event }) => {
      const cause = asRunStateError((event as { error?: unknown }).error);
      const restarts = context.restarts + 1;
      const { config, progress } = context;
      config.logger.warn(
        { runId: config.runId, restarts, code: cause.code, err: cause },
        'run restarting from its newest savepoint',
      );
      config.metrics?.restarted({ runId: config.runId, code: cause.code });
      const info = {
        runId: config.runId,
        cause,
        restarts,
        lastProcessed: progress.lastProcessed,
      };
      try {
        config.onRestart?.(info);
      } catch (error) {
        config.logger.error({ err: error }, 'onRestart threw; ignored');
      }
      return { failures: failuresWithin(context), restarts, lastError: cause };
    }),
  },
}).createMachine({
  id: 'run',
  context: ({ input }) => ({
    ...input,
    controller: new AbortController(),
    stopRequested: false,
    failures: [],
    restarts: 0,
    lastError: undefined,
  }),
  initial: 'running',
  states: {
    running: {
      entry: 'newController',
      on: { stop: { actions: ['markStop', 'abortAttempt'] } },
      invoke: {
        src: 'attempt',
        input: ({ context }) => ({
          config: context.config,
          progress: context.progress,
          signal: context.controller.signal,
        }),
        onDone: [
          { guard: 'attemptStopped', target: 'stopped' },
          { target: 'completed' },
        ],
        onError: [
          // A permanent failure fails the run even while it stops (an
          // unstorable state must not end as a clean stop); another one
          // ends the stop, kept in lastError.
          { guard: 'permanent', target: 'failed', actions: 'fail' },
          { guard: 'stopped', target: 'stopped', actions: 'fail' },
          {
            guard: 'withinIntensity',
            target: 'restarting',
            actions: 'recordRestart',
          },
          { target: 'failed', actions: 'failAtLimit' },
        ],
      },
    },
    restarting: {
      on: { stop: { target: 'stopped' } },
      after: { restartDelay: { target: 'running', reenter: true } },
    },
    stopped: { type: 'final' },
    completed: { type: 'final' },
    failed: { type: 'final' },
  },
});
