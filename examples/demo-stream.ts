/**
 * The stream processor of the demo (`01-sqlite-resume.ts`): a deterministic
 * generated stream of shop events and three entities that reduce it. Shared
 * by the parent (reference run) and the child (persisting run).
 */

/** One time-stamped input message. */
export interface ShopEvent {
  readonly index: number;
  readonly timestamp: number;
  readonly kind: 'order' | 'refund';
  readonly product: string;
  readonly cents: number;
}

/** Revenue per product, in cents (a Map survives the round trip as a Map). */
export type Revenue = Map<string, number>;
/** How many events of each kind were seen. */
export interface Counts {
  orders: number;
  refunds: number;
}
/** The three largest orders so far. */
export type Largest = { index: number; cents: number }[];

/** 2026-01-01T00:00:00Z: where the run starts. */
export const START = Date.UTC(2026, 0, 1);
/** Event time between two events, in ms. */
const STEP = 250;
/** Savepoint schedule: one per minute of event time. */
export const SCHEDULE = 60_000;
/** Events in the whole stream: 10 hours of event time. */
export const TOTAL = 144_000;

const PRODUCTS = ['apples', 'bread', 'coffee', 'dates', 'eggs'];

/** A small deterministic hash of an integer (same value every run). */
function mix(n: number): number {
  let x = (n + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The event at `index`, computed, not stored: the input can be replayed. */
export function eventAt(index: number): ShopEvent {
  const h = mix(index);
  return {
    index,
    timestamp: START + index * STEP,
    kind: h % 10 === 0 ? 'refund' : 'order',
    product: PRODUCTS[h % PRODUCTS.length] as string,
    cents: 100 + (h % 9_900),
  };
}

/** Replay the input: every event with a timestamp ≥ `from`, in order. */
export function* replayFrom(from: number): Generator<ShopEvent> {
  const first = Math.max(0, Math.ceil((from - START) / STEP));
  for (let i = first; i < TOTAL; i++) yield eventAt(i);
}

/** The entities' initial states, as `[id, state]` definitions. */
export function initialStates(): [string, unknown][] {
  return [
    ['revenue', new Map<string, number>()],
    ['counts', { orders: 0, refunds: 0 }],
    ['largest', []],
  ];
}

/** The reducers: the next state of each entity after `event`. */
export const reducers = {
  revenue: (state: Revenue, event: ShopEvent): Revenue => {
    const next = new Map(state);
    const sign = event.kind === 'refund' ? -1 : 1;
    next.set(
      event.product,
      (next.get(event.product) ?? 0) + sign * event.cents,
    );
    return next;
  },
  counts: (state: Counts, event: ShopEvent): Counts =>
    event.kind === 'order'
      ? { ...state, orders: state.orders + 1 }
      : { ...state, refunds: state.refunds + 1 },
  largest: (state: Largest, event: ShopEvent): Largest => {
    if (event.kind !== 'order') return state;
    return [...state, { index: event.index, cents: event.cents }]
      .sort((a, b) => b.cents - a.cents || a.index - b.index)
      .slice(0, 3);
  },
};

/** The final result of a run as JSON text, for comparing two runs. */
export function describeResult(states: ReadonlyMap<string, unknown>): string {
  const revenue = states.get('revenue') as Revenue;
  return JSON.stringify({
    revenue: [...revenue.entries()].sort(([a], [b]) => a.localeCompare(b)),
    counts: states.get('counts'),
    largest: states.get('largest'),
  });
}

/** The reference: the whole stream reduced in memory, no persistence. */
export function uninterruptedResult(): string {
  let revenue: Revenue = new Map();
  let counts: Counts = { orders: 0, refunds: 0 };
  let largest: Largest = [];
  for (const event of replayFrom(START)) {
    revenue = reducers.revenue(revenue, event);
    counts = reducers.counts(counts, event);
    largest = reducers.largest(largest, event);
  }
  return describeResult(
    new Map<string, unknown>([
      ['revenue', revenue],
      ['counts', counts],
      ['largest', largest],
    ]),
  );
}

/** Event time as `hh:mm` since the start, for people to read. */
export function clock(timestamp: number): string {
  const minutes = Math.floor((timestamp - START) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  return `${hh}:${String(minutes % 60).padStart(2, '0')}`;
}
