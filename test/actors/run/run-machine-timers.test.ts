/**
 * Machine entities with timers: refused by startRun, since a timer fires on
 * wall-clock time and is not re-armed when the actor is restored on resume.
 */
import { describe, expect, it } from 'vitest';
import {
  createMachine,
  enqueueActions,
  raise,
  sendTo,
  setup,
  type AnyStateMachine,
} from 'xstate';
import {
  MemoryStorage,
  startRun,
  type RunStateError,
} from '../../../src/index.js';

interface Ping {
  readonly timestamp: number;
  readonly type: 'ping';
}

async function runWith(machine: AnyStateMachine, maxRestarts = 3) {
  const storage = await MemoryStorage.open();
  return startRun<Ping>({
    runId: 'timers',
    storage,
    schedule: 1_000,
    startFrom: 0,
    maxRestarts,
    entities: { door: { machine } },
    input: () => [
      { timestamp: 10, type: 'ping' },
      { timestamp: 20, type: 'ping' },
    ],
  });
}

const timed: [string, AnyStateMachine, RegExp][] = [
  [
    'a delayed transition',
    createMachine({
      initial: 'open',
      states: { open: { after: { 1_000: 'closed' } }, closed: {} },
    }),
    /delayed transition \(after 1000\) in state "\(machine\)\.open"/,
  ],
  [
    'a delayed transition in a nested state of a parallel state',
    createMachine({
      type: 'parallel',
      states: {
        a: {},
        b: {
          initial: 'x',
          states: {
            x: { on: { ping: 'y' } },
            y: { after: { slow: 'x' } },
          },
        },
      },
    }).provide({ delays: { slow: 5 } }),
    /after slow\) in state "\(machine\)\.b\.y"/,
  ],
  [
    'a delayed raise in entry actions',
    createMachine({
      initial: 'a',
      states: { a: { entry: raise({ type: 'tick' }, { delay: 10 }) } },
    }),
    /a delayed raise in state "\(machine\)\.a"/,
  ],
  [
    'a delayed sendTo in transition actions',
    createMachine({
      on: { ping: { actions: sendTo('other', { type: 'x' }, { delay: 1 }) } },
    }),
    /a delayed sendTo in state "\(machine\)"/,
  ],
  [
    'a named delayed action of setup()',
    setup({
      actions: { later: raise({ type: 'tick' }, { delay: 10 }) },
    }).createMachine({ on: { ping: { actions: 'later' } } }),
    /a delayed raise "later"/,
  ],
];

describe('startRun: machine entities with timers', () => {
  it.each(timed)(
    'refuses a machine with %s, naming the entity',
    (_, machine, where) => {
      const start = () =>
        startRun({
          runId: 'timers',
          storage: {} as never,
          schedule: 1_000,
          startFrom: 0,
          entities: { door: { machine } },
          input: () => [],
        });
      expect(start).toThrow(TypeError);
      expect(start).toThrow(/options\.entities\["door"\]\.machine uses /);
      expect(start).toThrow(where);
    },
  );

  it('accepts machines whose raise and sendTo have no delay', async () => {
    const machine = setup({
      actions: { now: raise({ type: 'pong' }) },
    }).createMachine({
      context: { pongs: 0 },
      on: {
        ping: { actions: ['now', raise({ type: 'pong' })] },
        pong: { actions: ({ context }) => void context.pongs++ },
      },
    });
    const run = await runWith(machine);
    const { states } = await run.done;
    expect(states.get('door')).toMatchObject({ context: { pongs: 4 } });
  });

  it('fails the entity when a timer the check cannot see is scheduled', async () => {
    const machine = createMachine({
      on: {
        ping: {
          actions: enqueueActions(({ enqueue }) =>
            enqueue.raise({ type: 'later' }, { delay: 1 }),
          ),
        },
      },
    });
    const run = await runWith(machine, 0);
    const error = await run.done.then(
      () => undefined,
      (e: unknown) => e as RunStateError,
    );
    expect(error).toMatchObject({
      code: 'E_RESTART_LIMIT',
      cause: {
        code: 'E_ENTITY_FAILED',
        details: { entityId: 'door', timestamp: 10 },
      },
    });
    const cause = (error?.cause as RunStateError).cause as Error;
    expect(cause).toBeInstanceOf(TypeError);
    expect(cause.message).toMatch(
      /machine entity "door" scheduled a delayed event \(1 ms\)/,
    );
  });
});
