/**
 * Scenario (e)'s workload: the pre-generated messages, the replayable input
 * both sides read, the two reducers (and the same entities as xstate
 * machines), and the floor, a bare loop over the same reducers.
 */
import { assign, setup } from 'xstate';

const KEYS = 16;

/** One message of the stream. */
export interface Message {
  readonly timestamp: number;
  readonly key: number;
  readonly value: number;
}
type Counts = number[];

export function makeMessages(n: number, density: number): Message[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: Math.floor((i * 1000) / density),
    key: (i * 7) % KEYS,
    value: (i * 7919) % 101,
  }));
}

/** The replayable input: every message at or after `from`. */
export function inputOf(messages: readonly Message[]) {
  // An async source that never has to wait (all data at hand): both sides
  // pay exactly the `for await` step per message.
  // eslint-disable-next-line @typescript-eslint/require-await
  return async function* (from: number): AsyncGenerator<Message> {
    let i = 0;
    while (i < messages.length && messages[i]!.timestamp < from) i++;
    for (; i < messages.length; i++) yield messages[i]!;
  };
}

const sum = (state: number, m: Message): number => state + m.value;
const counts = (state: Counts, m: Message): Counts => {
  state[m.key] = (state[m.key] ?? 0) + 1;
  return state;
};

export async function floorOnce(messages: readonly Message[]) {
  let s = 0;
  let c: Counts = [];
  for await (const m of inputOf(messages)(0)) {
    s = sum(s, m);
    c = counts(c, m);
  }
  return { sum: s, counts: c };
}

const sumMachine = setup({
  types: {
    context: {} as { total: number },
    events: {} as { type: 'message' } & Message,
  },
}).createMachine({
  context: { total: 0 },
  on: {
    message: {
      actions: assign({
        total: ({ context, event }) => context.total + event.value,
      }),
    },
  },
});
const countMachine = setup({
  types: {
    context: {} as { n: number },
    events: {} as { type: 'message' } & Message,
  },
}).createMachine({
  context: { n: 0 },
  on: { message: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

export type Kind = 'reducer' | 'machine';

export function entitiesOf(kind: Kind) {
  const toEvent = (m: Message) => ({ type: 'message', ...m });
  return kind === 'reducer'
    ? {
        sum: { initial: 0, reduce: sum },
        counts: { initial: [] as Counts, reduce: counts },
      }
    : {
        sum: { machine: sumMachine, toEvent },
        counts: { machine: countMachine, toEvent },
      };
}
