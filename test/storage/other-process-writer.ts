/**
 * Child process of `other-process.test.ts`: opens one backend, starts a run
 * through a StateStore, acks its entities through every savepoint of the plan
 * and exits 0 once the store and the storage are closed. Not a test file; not
 * meant to be run by hand.
 *
 * Usage: other-process-writer.ts <plan as JSON>
 *
 * The state every entity saves for savepoint `t` is `stateAt(id, t)` of
 * `other-process.test.ts`: `{ id, savepoint: t, label: "<id>@<t>" }`. Prints
 * `done <newest timestamp>` on success; any failure (an error reported to
 * `onError` included) makes it exit non-zero with the reason on stderr.
 */
import {
  createStateStore,
  type RunStateError,
  type StorageAdapter,
} from 'runstate';
import { FileStorage } from 'runstate/file';
import { PostgresStorage } from 'runstate/postgres';
import { RedisStorage } from 'runstate/redis';
import { SqliteStorage } from 'runstate/sqlite';

/** What the parent asks for; see `other-process.test.ts`. */
interface Plan {
  readonly backend:
    | { readonly kind: 'sqlite'; readonly path: string }
    | {
        readonly kind: 'postgres';
        readonly connectionString: string;
        readonly schema: string;
      }
    | { readonly kind: 'redis'; readonly url: string; readonly prefix: string }
    | { readonly kind: 'file'; readonly directory: string };
  readonly runId: string;
  readonly schedule: number;
  readonly keep: number;
  readonly start: number;
  readonly ids: readonly string[];
  readonly savepoints: readonly number[];
}

const [planArg] = process.argv.slice(2);
if (planArg === undefined) {
  throw new Error('usage: other-process-writer.ts <plan as JSON>');
}
const plan = JSON.parse(planArg) as Plan;

async function openStorage(backend: Plan['backend']): Promise<StorageAdapter> {
  switch (backend.kind) {
    case 'sqlite':
      return SqliteStorage.open({ path: backend.path });
    case 'postgres':
      return PostgresStorage.open({
        connectionString: backend.connectionString,
        schema: backend.schema,
      });
    case 'redis':
      return RedisStorage.open({ url: backend.url, prefix: backend.prefix });
    case 'file':
      return FileStorage.open({ directory: backend.directory });
  }
}

const stateAt = (id: string, savepoint: number) => ({
  id,
  savepoint,
  label: `${id}@${savepoint}`,
});

const storage = await openStorage(plan.backend);
if (storage.readOnly) throw new Error('the writer storage is read-only');
const errors: RunStateError[] = [];
const persisted: number[] = [];
const store = createStateStore({
  runId: plan.runId,
  schedule: plan.schedule,
  storage,
  keep: plan.keep,
  onError: (error) => errors.push(error),
  onPersisted: (info) => persisted.push(info.timestamp),
});

let entities = await store.initRunState(
  plan.start,
  plan.ids.map((id) => [id, stateAt(id, plan.start)] as const),
);
for (const t of plan.savepoints) {
  // The state valid at savepoint t is the one after every message before t.
  entities = entities.map((entity) =>
    entity.updateState(t - 1, stateAt(entity.id, t)).ackProcessedTime(t),
  );
}
await store.flush();
await store.close();
await storage.close();

if (errors.length > 0) {
  throw new Error(
    `onError received: ${errors.map((e) => `${e.code} ${e.message}`).join('; ')}`,
  );
}
if (JSON.stringify(persisted) !== JSON.stringify(plan.savepoints)) {
  throw new Error(
    `persisted ${JSON.stringify(persisted)}, expected ${JSON.stringify(plan.savepoints)}`,
  );
}
process.stdout.write(`done ${persisted.at(-1)}\n`);
