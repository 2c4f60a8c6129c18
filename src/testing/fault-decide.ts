/**
 * How a {@link FaultyStorage} call goes: the decision of its fault policy
 * (fail, commit-then-fail, corrupt, pass; plus a delay), and carrying the
 * decision out around the inner storage's call.
 *
 * @packageDocumentation
 */
import type { StoredSavepoint } from '../storage/index.js';
import {
  WRITE_OPERATIONS,
  asDecision,
  covers,
  injectedError,
  type FaultCall,
  type FaultDecision,
  type PolicyState,
} from './fault-policy.js';

/**
 * The first rule of the policy in `state` that applies to `call`.
 *
 * @internal
 */
export function decide(state: PolicyState, call: FaultCall): FaultDecision {
  const { policy } = state;
  const op = call.operation;
  const decided = asDecision(policy.decide?.(call));
  if (decided !== undefined) return decided;
  if (state.failNext > 0 && covers(policy.failNext?.operations, op)) {
    state.failNext--;
    return { action: 'fail', error: policy.failNext?.error };
  }
  const commitOps = policy.commitThenFail?.operations;
  if (state.commitThenFail > 0 && covers(commitOps, op, WRITE_OPERATIONS)) {
    state.commitThenFail--;
    return {
      action: 'commit-then-fail',
      error: policy.commitThenFail?.error,
    };
  }
  const rate = policy.failRate;
  if (rate !== undefined && covers(rate.operations, op)) {
    if (state.random() < rate.rate)
      return { action: 'fail', error: rate.error };
  }
  if (state.corruptReads > 0 && op === 'readSavepoint') {
    state.corruptReads--;
    return { action: 'corrupt' };
  }
  return { action: 'pass' };
}

/**
 * The policy's delay for `call` (0 when none applies).
 *
 * @internal
 */
export function delayOf(state: PolicyState, call: FaultCall): number {
  const delay = state.policy.delay;
  if (delay === undefined || !covers(delay.operations, call.operation)) {
    return 0;
  }
  return typeof delay.ms === 'function' ? delay.ms(call) : delay.ms;
}

/**
 * Carry out one decision: fail, run, run then fail, or run and corrupt the
 * savepoint read.
 *
 * @internal
 */
export async function act<T>(
  decision: FaultDecision,
  call: FaultCall,
  run: () => Promise<T>,
): Promise<T> {
  const { action } = decision;
  const error = (): unknown => {
    const given = decision.error;
    if (given === undefined) return injectedError(call, action);
    return typeof given === 'function'
      ? (given as (c: FaultCall) => unknown)(call)
      : given;
  };
  if (action === 'fail') throw error();
  const result = await run();
  if (action === 'commit-then-fail') throw error();
  if (action === 'corrupt' && call.operation === 'readSavepoint') {
    return corrupted(result as StoredSavepoint | undefined) as T;
  }
  return result;
}

/** The savepoint with the last byte of every state flipped. */
function corrupted(
  savepoint: StoredSavepoint | undefined,
): StoredSavepoint | undefined {
  if (savepoint === undefined) return undefined;
  return {
    timestamp: savepoint.timestamp,
    entries: savepoint.entries.map(([id, bytes]) => {
      const copy = new Uint8Array(bytes);
      const last = copy.length - 1;
      if (last >= 0) copy[last] = (copy[last] ?? 0) ^ 0xff;
      return [id, copy] as const;
    }),
  };
}
