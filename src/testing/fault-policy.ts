/**
 * What {@link faultyStorage} does to each call: the policy a test gives it,
 * checked once, and the rule that turns it into one decision per call.
 */
import { RunStateError } from '../errors.js';
import { checkFunction, checkOptions, show } from '../validate.js';
import { prng } from './prng.js';

/** The storage contract's methods a {@link FaultPolicy} can target. */
export type StorageOperation =
  | 'isInitialized'
  | 'initRun'
  | 'writeSavepoint'
  | 'readSavepoint'
  | 'newestTimestamp'
  | 'listSavepoints'
  | 'prune'
  | 'quarantineSavepoint'
  | 'deleteRun'
  | 'listRuns';

/** Every {@link StorageOperation}. @internal */
export const STORAGE_OPERATIONS: readonly StorageOperation[] = [
  'isInitialized',
  'initRun',
  'writeSavepoint',
  'readSavepoint',
  'newestTimestamp',
  'listSavepoints',
  'prune',
  'quarantineSavepoint',
  'deleteRun',
  'listRuns',
];

/** The operations that change stored data. @internal */
export const WRITE_OPERATIONS: readonly StorageOperation[] = [
  'initRun',
  'writeSavepoint',
  'prune',
  'quarantineSavepoint',
  'deleteRun',
];

/**
 * What happens to one call:
 * - `'pass'`: the inner storage does it;
 * - `'fail'`: it is refused with the error, the inner storage never sees it;
 * - `'commit-then-fail'`: the inner storage does it, then the caller gets
 *   the error anyway (as after a connection lost before the reply);
 * - `'corrupt'`: a `readSavepoint` returns its states with one byte flipped
 *   in each (the codec's checksum then refuses them); other operations pass.
 */
export type FaultAction = 'pass' | 'fail' | 'commit-then-fail' | 'corrupt';

/** A {@link FaultPolicy.decide} answer with details. */
export interface FaultDecision {
  readonly action: FaultAction;
  /** The error of `'fail'`/`'commit-then-fail'`; an injected `E_STORAGE` by default. */
  readonly error?: unknown;
  /** Wait this long before acting (on top of {@link FaultPolicy.delay}). */
  readonly delayMs?: number;
}

/** One call to a {@link FaultyStorage}, as recorded in its `calls`. */
export interface FaultCall {
  /** 0 for the first call, then 1, 2, … */
  readonly seq: number;
  readonly operation: StorageOperation;
  /** The arguments as given (a savepoint is not copied). */
  readonly args: readonly unknown[];
  /** The run the call is about (`undefined` for `listRuns`). */
  readonly runId: string | undefined;
  /** What the storage did. */
  readonly action: FaultAction;
  /** How long it waited first. */
  readonly delayMs: number;
  /** `'pending'` until the call settles. */
  readonly outcome: 'pending' | 'resolved' | 'rejected';
  /** The error the caller got, when `outcome` is `'rejected'`. */
  readonly error?: unknown;
}

/** Which operations a rule applies to; every operation by default. */
export type OperationFilter =
  StorageOperation | readonly StorageOperation[] | 'all';

/** A rule with a budget of calls: the next `count` matching calls. */
export interface CountedFault {
  readonly count: number;
  readonly operations?: OperationFilter;
  /** The error to throw, or a function of the call returning it. */
  readonly error?: unknown;
}

/**
 * What a {@link FaultyStorage} does, checked in this order for each call:
 * `decide`, `failNext`, `commitThenFail`, `failRate`, `corruptReads`; the
 * first that applies wins, and `delay` comes before any of them.
 */
export interface FaultPolicy {
  /** Fail the next `count` calls of `operations` (every operation by default). */
  readonly failNext?: CountedFault;
  /**
   * Let the next `count` calls of `operations` (the writing ones by default:
   * `initRun`, `writeSavepoint`, `prune`, `quarantineSavepoint`,
   * `deleteRun`) reach the inner storage, then report them failed.
   */
  readonly commitThenFail?: CountedFault;
  /** Fail each call of `operations` with probability `rate`, drawn from `seed`. */
  readonly failRate?: {
    readonly rate: number;
    readonly seed: number;
    readonly operations?: OperationFilter;
    readonly error?: unknown;
  };
  /** Corrupt the next `count` `readSavepoint` results (every one by default). */
  readonly corruptReads?: { readonly count?: number };
  /** Wait `ms` (or `ms(call)`) before every call of `operations`. */
  readonly delay?: {
    readonly ms: number | ((call: FaultCall) => number);
    readonly operations?: OperationFilter;
  };
  /**
   * Sees every call first; returning an action or a decision settles the
   * call, `undefined` leaves it to the rest of the policy. The `call` has
   * `action: 'pass'` and `outcome: 'pending'` at this point.
   */
  readonly decide?: (call: FaultCall) => FaultAction | FaultDecision | void;
}

const ACTIONS: readonly FaultAction[] = [
  'pass',
  'fail',
  'commit-then-fail',
  'corrupt',
];
const POLICY_KEYS = [
  'failNext',
  'commitThenFail',
  'failRate',
  'corruptReads',
  'delay',
  'decide',
];

/** The policy's rules with their remaining budgets. @internal */
export interface PolicyState {
  readonly policy: FaultPolicy;
  failNext: number;
  commitThenFail: number;
  corruptReads: number;
  readonly random: () => number;
}

/** Check `policy` and start its budgets. @internal */
export function startPolicy(policy: FaultPolicy = {}): PolicyState {
  checkOptions('policy', policy);
  for (const key of Object.keys(policy)) {
    if (!POLICY_KEYS.includes(key)) {
      throw new TypeError(
        `policy.${key} is not a fault policy rule; use ${POLICY_KEYS.join(', ')}`,
      );
    }
  }
  const { failNext, commitThenFail, failRate, corruptReads, delay } = policy;
  if (failNext !== undefined) checkCounted('policy.failNext', failNext);
  if (commitThenFail !== undefined) {
    checkCounted('policy.commitThenFail', commitThenFail);
  }
  if (failRate !== undefined) checkRate(failRate);
  if (corruptReads !== undefined) {
    checkOptions('policy.corruptReads', corruptReads);
    if (corruptReads.count !== undefined) {
      checkCount('policy.corruptReads.count', corruptReads.count);
    }
  }
  if (delay !== undefined) checkDelay(delay);
  if (policy.decide !== undefined)
    checkFunction('policy.decide', policy.decide);
  return {
    policy,
    failNext: failNext?.count ?? 0,
    commitThenFail: commitThenFail?.count ?? 0,
    corruptReads:
      corruptReads === undefined ? 0 : (corruptReads.count ?? Infinity),
    random: prng(failRate?.seed ?? 0),
  };
}

function checkCount(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a non-negative safe integer, got ${show(value)}`,
    );
  }
}

function checkCounted(name: string, rule: CountedFault): void {
  checkOptions(name, rule);
  checkCount(`${name}.count`, rule.count);
  checkFilter(`${name}.operations`, rule.operations);
}

function checkRate(rule: NonNullable<FaultPolicy['failRate']>): void {
  checkOptions('policy.failRate', rule);
  const { rate, seed } = rule;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new RangeError(
      `policy.failRate.rate must be a number from 0 to 1, got ${show(rate)}`,
    );
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new TypeError(
      `policy.failRate.seed must be a safe integer, got ${show(seed)}`,
    );
  }
  checkFilter('policy.failRate.operations', rule.operations);
}

function checkDelay(rule: NonNullable<FaultPolicy['delay']>): void {
  checkOptions('policy.delay', rule);
  if (typeof rule.ms !== 'function') checkCount('policy.delay.ms', rule.ms);
  checkFilter('policy.delay.operations', rule.operations);
}

function checkFilter(name: string, filter: unknown): void {
  if (filter === undefined || filter === 'all') return;
  const list: unknown[] = Array.isArray(filter) ? filter : [filter];
  for (const op of list) {
    if (!(STORAGE_OPERATIONS as readonly unknown[]).includes(op)) {
      throw new TypeError(
        `${name} must be 'all' or storage operations (${STORAGE_OPERATIONS.join(', ')}), got ${show(op)}`,
      );
    }
  }
}

/** Whether `filter` (defaulting to `fallback`) covers `op`. @internal */
export function covers(
  filter: OperationFilter | undefined,
  op: StorageOperation,
  fallback: readonly StorageOperation[] = STORAGE_OPERATIONS,
): boolean {
  if (filter === 'all') return true;
  if (filter === undefined) return fallback.includes(op);
  return typeof filter === 'string' ? filter === op : filter.includes(op);
}

/** Normalise what `decide` returned, refusing anything else. @internal */
export function asDecision(value: unknown): FaultDecision | undefined {
  if (value === undefined) return undefined;
  const decision = (
    typeof value === 'string' ? { action: value } : value
  ) as Partial<FaultDecision> | null;
  if (
    decision === null ||
    typeof decision !== 'object' ||
    !ACTIONS.includes(decision.action as FaultAction)
  ) {
    throw new TypeError(
      `policy.decide must return undefined, ${ACTIONS.join(', ')} or { action, error?, delayMs? }, got ${show(value)}`,
    );
  }
  if (decision.delayMs !== undefined) {
    checkCount('policy.decide(…).delayMs', decision.delayMs);
  }
  return decision as FaultDecision;
}

/** The error an injected failure throws by default. @internal */
export function injectedError(
  call: FaultCall,
  action: FaultAction,
): RunStateError {
  const what =
    action === 'commit-then-fail'
      ? 'committed, then reported as failed (as after a lost connection)'
      : 'failed';
  return new RunStateError(
    'E_STORAGE',
    `injected fault: ${call.operation} ${what}`,
    {
      cause: new Error(`injected ${action} of call ${call.seq}`),
      details: { operation: call.operation, seq: call.seq, injected: true },
    },
  );
}
