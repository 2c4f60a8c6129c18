/**
 * 07-decorate-storage: wrap a SQLite storage with `decorateStorage` to log
 * every savepoint write with its duration and to count every storage call,
 * without writing an adapter. A counter processes a stream through the
 * decorated storage; the counted writes equal the savepoints the store
 * reports as persisted, and the savepoints on disk are the newest ones.
 *
 * Prerequisites: `npm install` (builds better-sqlite3). No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/07-decorate-storage.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStateStore,
  decorateStorage,
  resumeOrStart,
  type StorageMethodName,
} from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';

const SCHEDULE = 1_000;
const MESSAGES = Array.from({ length: 5_000 }, (_, i) => ({
  timestamp: i * 10,
  value: (i * 7919) % 13,
}));

const dir = mkdtempSync(join(tmpdir(), 'runstate-decorate-'));
const path = join(dir, 'counter.sqlite');
/** Calls per storage method, counted by the `around` hook. */
const calls = new Map<StorageMethodName, number>();
let persisted = 0;

{
  await using storage = decorateStorage(await SqliteStorage.open({ path }), {
    // one method: log each savepoint write with how long it took
    writeSavepoint: async (next, runId, savepoint, options) => {
      const started = performance.now();
      await next(runId, savepoint, options);
      const ms = (performance.now() - started).toFixed(2);
      if (savepoint.timestamp % 10_000 === 0) {
        console.log(`  wrote ${runId} @ ${savepoint.timestamp} in ${ms} ms`);
      }
    },
    // every method: count the calls
    around: (call, next) => {
      calls.set(call.method, (calls.get(call.method) ?? 0) + 1);
      return next();
    },
  });
  await using store = createStateStore({
    runId: 'counter',
    schedule: SCHEDULE,
    storage,
    onPersisted: () => void persisted++,
  });
  const { entities } = await resumeOrStart(store, {
    startFrom: 0,
    entities: [['sum', 0]],
  });
  let sum = entities[0]!;
  for (const message of MESSAGES) {
    sum = sum.ackProcessedTime(message.timestamp);
    sum = sum.updateState(message.timestamp, sum.state + message.value);
  }
  await store.flush();
}

const writes = calls.get('writeSavepoint') ?? 0;
console.log(
  `  storage calls: ${[...calls].map(([m, n]) => `${m} ${n}`).join(', ')}`,
);
if (writes === 0 || writes !== persisted) {
  throw new Error(
    `${writes} writes counted, ${persisted} savepoints persisted`,
  );
}
{
  await using reader = await SqliteStorage.open({ path, readOnly: true });
  const kept = await reader.listSavepoints('counter');
  console.log(`  savepoints on disk: ${kept.join(', ')}`);
}
rmSync(dir, { recursive: true, force: true });
console.log(
  `✓ ${writes} savepoint writes logged and counted through the decorator`,
);
