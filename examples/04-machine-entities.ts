/**
 * 04-machine-entities: entities that are xstate v5 machines. Each traffic
 * light of a crossing is one machine actor in a supervised run; the input
 * is a stream of timer ticks and button presses, routed to the lights by
 * `accepts`. A machine's saved state is its persisted snapshot; outputs are
 * the events it `emit`s. The run is stopped half-way and resumed from its
 * newest savepoint in SQLite, and ends like an uninterrupted run.
 *
 * Prerequisites: `npm install`. No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/04-machine-entities.ts`
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assign, emit, setup } from 'xstate';
import { MemoryStorage, startRun, type RunOutput } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';

interface Signal {
  readonly timestamp: number;
  readonly light: 'north' | 'east';
  readonly type: 'tick' | 'press';
}

/** red → green → yellow → red on ticks; a press while red counts a wait. */
const light = setup({
  types: {
    context: {} as { cycles: number; waits: number },
    events: {} as { type: 'tick' } | { type: 'press' },
    emitted: {} as { type: 'turned'; to: string; cycles: number },
  },
}).createMachine({
  context: { cycles: 0, waits: 0 },
  initial: 'red',
  states: {
    red: {
      on: {
        tick: {
          target: 'green',
          actions: emit(({ context }) => ({
            type: 'turned',
            to: 'green',
            cycles: context.cycles,
          })),
        },
        press: {
          actions: assign({ waits: ({ context }) => context.waits + 1 }),
        },
      },
    },
    green: { on: { tick: 'yellow' } },
    yellow: {
      on: {
        tick: {
          target: 'red',
          actions: assign({ cycles: ({ context }) => context.cycles + 1 }),
        },
      },
    },
  },
});

const SIGNALS: Signal[] = Array.from({ length: 4_000 }, (_, i) => ({
  timestamp: i * 250,
  light: i % 2 === 0 ? 'north' : 'east',
  type: i % 7 === 0 ? 'press' : 'tick',
}));

/** Run the crossing on `storage` until `until` (exclusive), or stop there. */
async function crossing(storage: SqliteStorage | MemoryStorage, until: number) {
  const outputs: RunOutput[] = [];
  const run = startRun<Signal>({
    runId: 'crossing',
    storage,
    schedule: 10_000,
    startFrom: 0,
    entities: {
      north: { machine: light, accepts: (s) => s.light === 'north' },
      east: { machine: light, accepts: (s) => s.light === 'east' },
    },
    input: (from) =>
      SIGNALS.filter((s) => s.timestamp >= from && s.timestamp < until),
    output: (o) => void outputs.push(o),
  });
  const result = await run.done;
  return { result, outputs };
}

const contextOf = (states: ReadonlyMap<string, unknown>) =>
  JSON.stringify(
    [...states].map(([id, s]) => [
      id,
      (s as { value: unknown; context: unknown }).value,
      (s as { context: unknown }).context,
    ]),
  );

const dir = mkdtempSync(join(tmpdir(), 'runstate-machines-'));
await using storage = await SqliteStorage.open({
  path: join(dir, 'crossing.db'),
});
const first = await crossing(storage, 500_000); // the process stops half-way
console.log(
  `first run: ${first.outputs.length} outputs, newest savepoint ${first.result.newestPersisted}`,
);
const second = await crossing(storage, Infinity); // and resumes
const replayedFrom = first.result.newestPersisted!;
console.log(
  `second run: resumed at ${replayedFrom}, ${second.outputs.length} outputs`,
);

await using memory = await MemoryStorage.open();
const reference = await crossing(memory, Infinity);
if (contextOf(second.result.states) !== contextOf(reference.result.states)) {
  throw new Error(
    `resumed ${contextOf(second.result.states)} ≠ uninterrupted ${contextOf(reference.result.states)}`,
  );
}
const keys = (outputs: RunOutput[]) =>
  new Set(outputs.map((o) => `${o.entityId}@${o.watermark}#${o.index}`));
const all = keys([...first.outputs, ...second.outputs]);
if (all.size !== keys(reference.outputs).size)
  throw new Error('outputs differ');
console.log(`  final lights: ${contextOf(second.result.states)}`);
console.log(
  '✓ machine entities resumed from their snapshots and ended like an uninterrupted run',
);
