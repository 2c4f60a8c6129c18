/**
 * The child process of the demo: runs the stream processor over a SQLite
 * file, resuming from the newest savepoint if there is one. Reports progress
 * to its parent as JSON lines on stdout. Started by `01-sqlite-resume.ts`;
 * not meant to be run by hand.
 */
import { writeFileSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { createStateStore, resumeOrStart, type Entity } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import {
  SCHEDULE,
  START,
  describeResult,
  initialStates,
  reducers,
  replayFrom,
  type ShopEvent,
} from './demo-stream.js';

const [dbPath, resultPath] = process.argv.slice(2);
if (dbPath === undefined || resultPath === undefined) {
  throw new Error('usage: demo-worker.ts <db path> <result path>');
}

const report = (message: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

type Reducer = (state: never, event: ShopEvent) => unknown;

await using storage = await SqliteStorage.open({ path: dbPath });
await using store = createStateStore({
  runId: 'shop-demo',
  schedule: SCHEDULE,
  storage,
  keep: 3,
  // The killed predecessor's lease on the run lives on until its TTL ends:
  // wait for it (docs/scaling.md).
  lease: { ttlMs: 1_000, waitMs: 10_000 },
  onPersisted: ({ timestamp, entityCount }) =>
    report({ type: 'persisted', timestamp, entityCount }),
  onError: (error) =>
    report({ type: 'error', code: error.code, message: error.message }),
});

const start = await resumeOrStart(store, {
  startFrom: START,
  entities: initialStates(),
});
report({ type: 'started', resumed: start.resumed, timestamp: start.timestamp });

const entities = new Map<string, Entity<unknown>>(
  start.entities.map((entity) => [entity.id, entity]),
);
let handled = 0;
for (const event of replayFrom(start.timestamp)) {
  for (const [id, entity] of entities) {
    const acked = entity.ackProcessedTime(event.timestamp);
    const reducer = reducers[id as keyof typeof reducers] as Reducer;
    const state = reducer(acked.state as never, event);
    entities.set(id, acked.updateState(event.timestamp, state));
  }
  // Let the store persist between chunks, as a real processor awaiting input would.
  if (++handled % 200 === 0) await yieldToLoop();
}

const states = new Map([...entities].map(([id, entity]) => [id, entity.state]));
writeFileSync(resultPath, describeResult(states));
report({ type: 'finished', handled });
