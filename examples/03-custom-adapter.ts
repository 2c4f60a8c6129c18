/**
 * 03-custom-adapter: runstate on your own database through a custom storage
 * adapter (`kv-storage.ts`, over the key-value client `tiny-kv.ts`). A
 * counter processes a stream, "restarts" half-way (a new store and a new
 * adapter over the same data), resumes from its newest savepoint, and ends
 * with the result of an uninterrupted run.
 *
 * Prerequisites: `npm install`. No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/03-custom-adapter.ts`
 */
import { createStateStore, resumeOrStart } from 'runstate';
import { KvStorage } from './kv-storage.js';
import { TinyKv } from './tiny-kv.js';

const SCHEDULE = 1_000;
const MESSAGES = Array.from({ length: 5_000 }, (_, i) => ({
  timestamp: i * 10,
  value: (i * 7919) % 13,
}));

/** Resume (or start) the run, process messages up to `stopAt`, flush. */
async function runCounter(kv: TinyKv, stopAt: number): Promise<number> {
  await using storage = await KvStorage.open(kv);
  await using store = createStateStore({
    runId: 'counter',
    schedule: SCHEDULE,
    storage,
  });
  const { resumed, timestamp, entities } = await resumeOrStart(store, {
    startFrom: 0,
    entities: [['sum', 0]],
  });
  let sum = entities[0]!;
  console.log(`${resumed ? 'resumed' : 'started'} at ${timestamp}`);
  for (const message of MESSAGES) {
    if (message.timestamp < timestamp) continue; // replay from the savepoint
    if (message.timestamp >= stopAt) break;
    sum = sum.ackProcessedTime(message.timestamp);
    sum = sum.updateState(message.timestamp, sum.state + message.value);
  }
  await store.flush();
  return sum.state;
}

const kv = new TinyKv();
await runCounter(kv, 25_000); // stops half-way, as a restart would
const resumedResult = await runCounter(kv, Infinity);
const expected = MESSAGES.reduce((total, m) => total + m.value, 0);
if (resumedResult !== expected) {
  throw new Error(
    `resumed run ended at ${resumedResult}, expected ${expected}`,
  );
}
await using reader = await KvStorage.open(kv, { readOnly: true });
const newest = await reader.newestTimestamp('counter');
console.log(
  `✓ the resumed run ended with ${expected}, like an uninterrupted one`,
);
console.log(`  newest savepoint in the key-value store: ${newest}`);
