/**
 * The deterministic processor of the run crash tests: a seeded stream of
 * messages generated on the fly, and three entities (two reducers and an
 * xstate machine) that emit outputs on some of them. The SIGKILLed child
 * (`run-crash-child.ts`), the in-process failure test and the reference
 * fold (`run-crash-fold.ts`) all build their run from here.
 */
import { assign, emit as emitEvent, setup } from 'xstate';
import type {
  EntityContext,
  MachineEntity,
  ReducerEntity,
  RunMessage,
} from 'runstate';
import { prng } from '../../../support/prng.js';

/** The run id in storage. */
export const RUN_ID = 'run-crash';
/** Savepoint schedule (ms of event time): a savepoint every ~600 messages. */
export const SCHEDULE = 120_000;
/** Where a fresh run starts. */
export const START_FROM = 0;
/** Timestamp of the first message. */
const FIRST_TIMESTAMP = 1_000;
/** Ledger accounts. */
const ACCOUNTS = 64;

/** The kinds of message; the last three go to the machine. */
export type Kind =
  'deposit' | 'withdraw' | 'audit' | 'trip' | 'probe' | 'reset';

/** One message of the stream. */
export interface CrashMessage extends RunMessage {
  /** Its position in the stream, from 0. */
  readonly seq: number;
  readonly kind: Kind;
  readonly account: number;
  readonly amount: number;
}

/** A 32-bit mix of two numbers (murmur3 finalizer). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Gaps between messages (≈ 190 ms on average): a third share a timestamp
 * with the previous one, most are a few ms apart, about one in a hundred is
 * seconds long, and one in 2 000 skips whole savepoints.
 */
function gap(r: number, rand: () => number): number {
  if (r < 0.3) return 0;
  if (r < 0.9) return 1 + Math.floor(rand() * 20);
  if (r < 0.99) return 20 + Math.floor(rand() * 180);
  if (r < 0.9995) return 1_000 + Math.floor(rand() * 19_000);
  return 2 * SCHEDULE + Math.floor(rand() * 2 * SCHEDULE);
}

function kind(r: number): Kind {
  if (r < 0.45) return 'deposit';
  if (r < 0.85) return 'withdraw';
  if (r < 0.94) return 'audit';
  if (r < 0.97) return 'trip';
  return r < 0.99 ? 'probe' : 'reset';
}

/**
 * The first `count` messages of the stream of `seed` with a timestamp
 * ≥ `from`, in order; stops early once `signal` aborts.
 */
export function* messages(
  seed: number,
  count: number,
  from = 0,
  signal?: AbortSignal,
): Generator<CrashMessage> {
  const rand = prng(seed);
  let timestamp = FIRST_TIMESTAMP;
  for (let seq = 0; seq < count; seq++) {
    timestamp += gap(rand(), rand);
    const message: CrashMessage = {
      timestamp,
      seq,
      kind: kind(rand()),
      account: Math.floor(rand() * ACCOUNTS),
      amount: 1 + Math.floor(rand() * 1_000),
    };
    if (timestamp < from) continue;
    if (signal?.aborted === true) return;
    yield message;
  }
}

/** The ledger's state; the reducer mutates it in place. */
export interface LedgerState {
  readonly balances: number[];
  ops: number;
}

/** What the entities emit. */
export type CrashOutput =
  | {
      readonly type: 'overdraft';
      readonly account: number;
      readonly balance: number;
    }
  | {
      readonly type: 'large';
      readonly account: number;
      readonly amount: number;
    }
  | { readonly type: 'audit'; readonly count: number; readonly hash: number }
  | { readonly type: 'stats'; readonly byKind: Record<string, number> }
  | { readonly type: 'tripped'; readonly trips: number };

type Context = EntityContext<CrashOutput>;

/** Balances by account; emits on overdrafts and large deposits. */
function reduceLedger(
  state: LedgerState,
  m: CrashMessage,
  ctx: Context,
): LedgerState {
  const before = state.balances[m.account] ?? 0;
  const balance = before + (m.kind === 'deposit' ? m.amount : -m.amount);
  state.balances[m.account] = balance;
  state.ops++;
  if (balance < 0 && before >= 0) {
    ctx.emit({ type: 'overdraft', account: m.account, balance });
  }
  if (m.kind === 'deposit' && m.amount > 995) {
    ctx.emit({ type: 'large', account: m.account, amount: m.amount });
  }
  return state;
}

/** The stats entity's state (immutable updates). */
export interface StatsState {
  readonly count: number;
  readonly hash: number;
  readonly byKind: Readonly<Record<string, number>>;
}

/** Counts and hashes every message; audits emit one or two outputs. */
function reduceStats(s: StatsState, m: CrashMessage, ctx: Context): StatsState {
  const next: StatsState = {
    count: s.count + 1,
    hash: mix(s.hash, mix(m.seq, m.timestamp) ^ m.amount),
    byKind: { ...s.byKind, [m.kind]: (s.byKind[m.kind] ?? 0) + 1 },
  };
  if (m.kind === 'audit' && m.amount > 900) {
    ctx.emit({ type: 'audit', count: next.count, hash: next.hash });
    if (m.amount > 990) ctx.emit({ type: 'stats', byKind: next.byKind });
  }
  return next;
}

/** A circuit breaker: trips open, probes half-open, resets closed. */
export const breakerMachine = setup({
  types: {
    context: {} as { trips: number; probes: number },
    events: {} as { type: 'trip' } | { type: 'probe' } | { type: 'reset' },
    emitted: {} as { type: 'tripped'; trips: number },
  },
}).createMachine({
  id: 'breaker',
  context: { trips: 0, probes: 0 },
  initial: 'closed',
  states: {
    closed: {
      on: {
        trip: {
          target: 'open',
          actions: [
            assign({ trips: ({ context }) => context.trips + 1 }),
            emitEvent(({ context }) => ({
              type: 'tripped' as const,
              trips: context.trips,
            })),
          ],
        },
      },
    },
    open: {
      on: {
        probe: {
          target: 'halfOpen',
          actions: assign({ probes: ({ context }) => context.probes + 1 }),
        },
      },
    },
    halfOpen: {
      on: { reset: 'closed', trip: 'open', probe: 'open' },
    },
  },
});

const isLedger = (m: CrashMessage) =>
  m.kind === 'deposit' || m.kind === 'withdraw';
const isBreaker = (m: CrashMessage) =>
  m.kind === 'trip' || m.kind === 'probe' || m.kind === 'reset';

/** The entities' definitions, each fresh (the ledger's state is mutable). */
export type CrashEntities = {
  readonly ledger: ReducerEntity<LedgerState, CrashMessage, CrashOutput>;
  readonly stats: ReducerEntity<StatsState, CrashMessage, CrashOutput>;
  readonly breaker: MachineEntity<CrashMessage>;
};

/** Fresh entity definitions; `wrap` may decorate the ledger's reducer. */
export function crashEntities(
  wrap: (reduce: typeof reduceLedger) => typeof reduceLedger = (r) => r,
): CrashEntities {
  return {
    ledger: {
      initial: { balances: new Array<number>(ACCOUNTS).fill(0), ops: 0 },
      reduce: wrap(reduceLedger),
      accepts: isLedger,
    },
    stats: { initial: { count: 0, hash: 0, byKind: {} }, reduce: reduceStats },
    breaker: {
      machine: breakerMachine,
      accepts: isBreaker,
      toEvent: (m) => ({ type: m.kind }),
    },
  };
}
