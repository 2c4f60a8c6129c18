/**
 * Child process of `parallel-writers.test.ts`: one stream processor that
 * persists its own run's savepoints into storage shared with other
 * processes. Not a test file; not meant to be run by hand.
 *
 * Usage: parallel-writer.ts <sqlite|postgres> <db path | connection string>
 *        <schema (postgres; '-' for sqlite)> <run id> <go file> <writers>
 *
 * Prints `ready` once the storage is open, waits until the go file exists
 * (the start barrier), persists SAVEPOINTS savepoints, and prints one JSON
 * line `{"persisted": n, "errors": [...], "writingFrom": ms,
 * "writingUntil": ms, "arrivedAt": ms, "releasedAt": ms}` (wall clock).
 * After savepoint BARRIER_AT it creates `<go file>.mid-<run id>` and waits
 * until all `<writers>` have (the middle barrier, arrived and released), so
 * every writer is inside its loop at once, however fast the others are.
 * Exits 1 when any error was reported or thrown.
 */
import { existsSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createStateStore,
  type Entity,
  type RunStateError,
  type StorageAdapter,
} from 'runstate';
import {
  BARRIER_AT,
  KEEP,
  SAVEPOINTS,
  SCHEDULE,
  START,
  entityIds,
  expectedState,
  type WriterState,
} from './parallel-writer-model.js';

const [backend, target, schema, runId, goFile, writersArg] =
  process.argv.slice(2);
const writers = Number(writersArg);
if (
  (backend !== 'sqlite' && backend !== 'postgres') ||
  target === undefined ||
  schema === undefined ||
  runId === undefined ||
  goFile === undefined ||
  !Number.isSafeInteger(writers)
) {
  throw new Error(
    'usage: parallel-writer.ts <sqlite|postgres> <target> <schema> <run id> <go file> <writers>',
  );
}

const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};

/** Every error with its cause chain, so a `SQLITE_BUSY` cause shows. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Error) {
      const code = (current as Partial<RunStateError>).code;
      parts.push(`${String(code ?? current.name)}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(typeof current === 'string' ? current : `(${typeof current})`);
      break;
    }
  }
  return parts.join(' <- ');
}

const errors: string[] = [];
let persisted = 0;
/** Wall-clock ms when this writer started and finished writing. */
let writingFrom = 0;
let writingUntil = 0;
/** Wall-clock ms when this writer reached the middle barrier and left it. */
let arrivedAt = 0;
let releasedAt = 0;

/** Announce this writer at the middle barrier and wait for all the others. */
async function middleBarrier(go: string, id: string): Promise<void> {
  arrivedAt = Date.now();
  writeFileSync(`${go}.mid-${encodeURIComponent(id)}`, '');
  const prefix = `${basename(go)}.mid-`;
  const arrived = (): number =>
    readdirSync(dirname(go)).filter((name) => name.startsWith(prefix)).length;
  while (arrived() < writers) await sleep(2);
  releasedAt = Date.now();
}

async function openStorage(): Promise<StorageAdapter> {
  if (backend === 'sqlite') {
    const { SqliteStorage } = await import('runstate/sqlite');
    return SqliteStorage.open({ path: target });
  }
  const { PostgresStorage } = await import('runstate/postgres');
  return PostgresStorage.open({
    connectionString: target,
    schema,
  });
}

async function main(id: string): Promise<void> {
  const storage = await openStorage();
  try {
    const store = createStateStore({
      runId: id,
      schedule: SCHEDULE,
      storage,
      keep: KEEP,
      onError: (error) => errors.push(describeError(error)),
      onPersisted: () => {
        persisted++;
      },
    });
    try {
      say('ready');
      while (!existsSync(goFile as string)) await sleep(2);
      writingFrom = Date.now();
      const ids = entityIds();
      let entities: Entity<WriterState>[] = await store.initRunState(
        START,
        ids.map((entityId) => [entityId, expectedState(id, entityId, 0)]),
      );
      for (let k = 1; k <= SAVEPOINTS; k++) {
        const ts = START + k * SCHEDULE;
        // Acking at `ts` files each state (step k - 1) into savepoint `ts`;
        // the message at `ts` then moves every entity to step k.
        entities = entities.map((entity) =>
          entity
            .ackProcessedTime(ts)
            .updateState(ts, expectedState(id, entity.id, k)),
        );
        // Persist now, while the other processes write too.
        await store.flush();
        if (k === BARRIER_AT) await middleBarrier(goFile as string, id);
      }
      writingUntil = Date.now();
    } finally {
      await store.close();
    }
  } finally {
    await storage.close();
  }
}

try {
  await main(runId);
} catch (error) {
  errors.push(`thrown: ${describeError(error)}`);
}
say(
  JSON.stringify({
    persisted,
    errors,
    writingFrom,
    writingUntil,
    arrivedAt,
    releasedAt,
  }),
);
process.exitCode = errors.length === 0 ? 0 : 1;
