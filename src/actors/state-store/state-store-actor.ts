/**
 * Starting a StateStore's actor: its lease keeper (which aborts the actor
 * when the lease is lost), the actor itself with an error observer, and
 * the metrics probe.
 *
 * @packageDocumentation
 */
import { createActor, type Actor } from 'xstate';
import { RunStateError, ensureError } from '../../errors.js';
import { LeaseKeeper } from '../../lease/index.js';
import type { StoreConfig } from './state-store-config.js';
import { stateStoreMachine } from './state-store-machine.js';
import { probeStatus } from './state-store-status.js';

/** A started store actor and what goes with it. @internal */
export interface StartedStore {
  readonly actor: Actor<typeof stateStoreMachine>;
  readonly lease: LeaseKeeper | undefined;
  readonly detachMetrics: (() => void) | undefined;
}

/**
 * Create and start the actor of a store configured by `config`; actor
 * failures and a lost lease go to `config.report`.
 *
 * @internal
 */
export function startStoreActor(config: StoreConfig): StartedStore {
  const { io, report, onPersisted, clock } = config;
  const lease =
    config.lease === undefined
      ? undefined
      : new LeaseKeeper(
          io.storage,
          io.runId,
          config.lease,
          io.logger,
          (error) => {
            report(error);
            if (actor.getSnapshot().status === 'active') {
              actor.send({ type: 'abort' });
            }
          },
        );
  const actor = createActor(stateStoreMachine, {
    input: { io: { ...io, lease }, report, onPersisted },
    clock,
  });
  actor.subscribe({
    error: (error) =>
      report(
        new RunStateError(
          'E_INVALID_STATE',
          `state store actor failed: ${ensureError(error).message}`,
          { cause: error },
        ),
      ),
  });
  actor.start();
  const detachMetrics = io.metrics?.attach(io.runId, () =>
    probeStatus(actor.getSnapshot()),
  );
  return { actor, lease, detachMetrics };
}
