import { assign, createActor, emit, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, startRun, type RunOutput } from '../../../src/index.js';

interface Door {
  readonly timestamp: number;
  readonly type: 'open' | 'close';
}

/** A door that counts how often it opened and emits every opening. */
const door = setup({
  types: {
    context: {} as { opened: number; label: string },
    events: {} as { type: 'open' } | { type: 'close' } | { type: 'jam' },
    input: {} as { label: string } | undefined,
    emitted: {} as { type: 'opened'; count: number },
  },
}).createMachine({
  id: 'door',
  context: ({ input }) => ({ opened: 0, label: input?.label ?? 'door' }),
  initial: 'closed',
  states: {
    closed: {
      on: {
        open: {
          target: 'open',
          actions: [
            assign({ opened: ({ context }) => context.opened + 1 }),
            emit(({ context }) => ({ type: 'opened', count: context.opened })),
          ],
        },
      },
    },
    open: {
      on: {
        close: 'closed',
        jam: {
          actions: () => {
            throw new Error('jammed');
          },
        },
      },
    },
  },
});

/** open at 0, 200, 400…, close 100 ms later; `count` messages. */
function doorMessages(count: number): Door[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: i * 100,
    type: i % 2 === 0 ? 'open' : 'close',
  }));
}

describe('startRun: machine entities', () => {
  it('gives each machine its persisted snapshot in RunResult.states, as documented', async () => {
    const storage = await MemoryStorage.open();
    const run = startRun<Door>({
      runId: 'doors',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { front: { machine: door, input: { label: 'front' } } },
      input: () => doorMessages(25),
    });
    const { states } = await run.done;
    const front = states.get('front');
    expect(front).toEqual({
      status: 'active',
      value: 'open',
      context: { opened: 13, label: 'front' },
      historyValue: {},
      children: {},
    });
    // The input is ignored when restoring from a snapshot.
    const snapshot = createActor(door, {
      snapshot: front as never,
      input: undefined,
    }).getSnapshot();
    expect(snapshot.matches('open')).toBe(true);
    expect(snapshot.context).toEqual({ opened: 13, label: 'front' });
  });

  it('sends messages as events, emits outputs and saves persisted snapshots', async () => {
    const storage = await MemoryStorage.open();
    const outputs: RunOutput[] = [];
    const run = startRun<Door>({
      runId: 'doors',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { front: { machine: door, input: { label: 'front' } } },
      input: () => doorMessages(25),
      output: (o) => void outputs.push(o),
    });
    const { states } = await run.done;
    expect(states.get('front')).toMatchObject({
      value: 'open',
      context: { opened: 13, label: 'front' },
    });
    expect(outputs.slice(0, 2)).toEqual([
      {
        entityId: 'front',
        timestamp: 0,
        watermark: 0,
        index: 0,
        value: { type: 'opened', count: 1 },
        replayed: false,
      },
      {
        entityId: 'front',
        timestamp: 200,
        watermark: 200,
        index: 0,
        value: { type: 'opened', count: 2 },
        replayed: false,
      },
    ]);
    const saved = await storage.readSavepoint('doors');
    expect(saved?.timestamp).toBe(2_000);
  });

  it('restores the actor from its snapshot on resume', async () => {
    const storage = await MemoryStorage.open();
    const options = {
      runId: 'doors',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: { front: { machine: door } },
    };
    await startRun<Door>({ ...options, input: () => doorMessages(25) }).done;
    const froms: number[] = [];
    const resumed = startRun<Door>({
      ...options,
      input: (from) => {
        froms.push(from);
        return doorMessages(50).filter((m) => m.timestamp >= from);
      },
    });
    const { states } = await resumed.done;
    expect(froms).toEqual([2_000]);
    expect(states.get('front')).toMatchObject({
      value: 'closed',
      context: { opened: 25 },
    });
  });

  it('maps messages to events with toEvent and routes with accepts', async () => {
    const storage = await MemoryStorage.open();
    const run = startRun<{
      timestamp: number;
      door: string;
      action: 'open' | 'close';
    }>({
      runId: 'routed',
      storage,
      schedule: 1_000,
      startFrom: 0,
      entities: {
        back: {
          machine: door,
          toEvent: (m) => ({ type: m.action }),
          accepts: (m) => m.door === 'back',
        },
      },
      input: () => [
        { timestamp: 0, door: 'front', action: 'open' },
        { timestamp: 1, door: 'back', action: 'open' },
      ],
    });
    const { states } = await run.done;
    expect(states.get('back')).toMatchObject({ context: { opened: 1 } });
  });

  it('restarts the run when the machine fails (E_ENTITY_FAILED)', async () => {
    const storage = await MemoryStorage.open();
    let jams = 1;
    const codes: string[] = [];
    const run = startRun<{ timestamp: number; type: 'open' | 'close' | 'jam' }>(
      {
        runId: 'jam',
        storage,
        schedule: 1_000,
        startFrom: 0,
        entities: { front: { machine: door } },
        input: (from) =>
          [
            { timestamp: 0, type: 'open' as const },
            { timestamp: 1_500, type: 'jam' as const },
            { timestamp: 1_600, type: 'close' as const },
          ].filter(
            (m) => m.timestamp >= from && (m.type !== 'jam' || jams-- > 0),
          ),
        onRestart: (info) => void codes.push(info.cause.code),
      },
    );
    const { states } = await run.done;
    expect(codes).toEqual(['E_ENTITY_FAILED']);
    expect(states.get('front')).toMatchObject({
      value: 'closed',
      context: { opened: 1 },
    });
  });
});
