/**
 * 05-migrations: an entity's state shape changes across three releases,
 * and savepoints written by each release keep loading.
 *
 * - Release 1 (state version 0) counts orders: `{ count }`.
 * - Release 2 (version 1) adds a unit: `{ count, unit }`.
 * - Release 3 (version 2) renames the entity `orders` to `totals` and
 *   nests the figures: `{ total: { value, unit } }`.
 *
 * It writes a savepoint with release 1, checks the chain offline
 * (`checkMigrations`), resumes with release 3 (loading migrates the
 * savepoint through both steps; the next savepoint is written at version
 * 2), migrates another run offline (`migrateRun`), shows that release 1
 * refuses the newer savepoint (`E_VERSION_NEWER`), and rewinds to the
 * older savepoint (`loadRunState({ at })`), then lists the quarantined
 * savepoint and restores it (`listQuarantinedSavepoints`,
 * `restoreQuarantinedSavepoint`).
 *
 * Prerequisites: `npm install`. No server needed (SQLite).
 * Run: `npx tsx --conditions=runstate-source examples/05-migrations.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkMigrations,
  createStateStore,
  defineMigrations,
  isRunStateError,
  mapStates,
  listQuarantinedSavepoints,
  migrateRun,
  restoreQuarantinedSavepoint,
  type StorageAdapter,
} from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';

/** Each release's state shape, by state version. */
type Shapes = {
  0: { count: number };
  1: { count: number; unit: string };
  2: { total: { value: number; unit: string } };
};

/** Release 3's chain: every step since version 0. */
const migrations = defineMigrations<Shapes>({
  1: mapStates((s) => ({ ...s, unit: 'pcs' })),
  2: (states) =>
    states.map(([id, s]) => [
      id === 'orders' ? 'totals' : id,
      { total: { value: s.count, unit: s.unit } },
    ]),
});

const dir = mkdtempSync(join(tmpdir(), 'runstate-05-'));
const check = (ok: boolean, what: string) => {
  if (!ok) throw new Error(`FAILED: ${what}`);
  console.log(`✓ ${what}`);
};

/** Release 1: writes savepoints 60 000 and 120 000 at version 0. */
async function release1(storage: StorageAdapter, runId: string) {
  await using store = createStateStore({ runId, schedule: 60_000, storage });
  let [orders] = await store.initRunState(0, [['orders', { count: 0 }]]);
  for (const t of [10_000, 70_000, 130_000]) {
    orders = orders!.ackProcessedTime(t);
    orders = orders.updateState(t, { count: orders.state.count + 1 });
  }
  await store.flush();
}

try {
  await using storage = await SqliteStorage.open({
    path: join(dir, 'state.sqlite'),
  });
  await release1(storage, 'shop-a');
  await release1(storage, 'shop-b');

  // In CI, before deploying release 3: every run loads through the chain.
  const report = await checkMigrations(storage, migrations);
  check(
    report.failures.length === 0 && report.counts.migrated === 2,
    'checkMigrations: both runs migrate from v0 to v2',
  );

  // Release 3 resumes shop-a: the savepoint is migrated on load.
  {
    await using store = createStateStore({
      runId: 'shop-a',
      schedule: 60_000,
      storage,
      keep: 5,
      migrations,
      metadata: { release: 3 },
    });
    const { entities, meta } = await store.loadRunState();
    const [totals] = entities;
    check(
      meta.version === 0 && totals?.id === 'totals',
      'release 3 loads a v0 savepoint, renamed to "totals"',
    );
    check(
      JSON.stringify(totals?.state) === '{"total":{"value":2,"unit":"pcs"}}',
      'its state has the v2 shape',
    );
    totals!.ackProcessedTime(190_000);
    await store.flush();
  }
  const info = await storage.listSavepointInfo('shop-a');
  check(
    info.map((i) => i.version).join() === '0,0,2',
    'the next savepoint is written at version 2 (with metadata)',
  );

  // Offline: migrate shop-b in place, without running it.
  const migrated = await migrateRun(storage, 'shop-b', migrations);
  check(migrated.status === 'migrated', 'migrateRun rewrites shop-b at v2');

  // A rollback to release 1 must not load v2 state silently.
  await using old = createStateStore({
    runId: 'shop-a',
    schedule: 60_000,
    storage,
  });
  const refused = await old.loadRunState().catch((e: unknown) => e);
  check(
    isRunStateError(refused, 'E_VERSION_NEWER'),
    'release 1 refuses the v2 savepoint with E_VERSION_NEWER',
  );

  // ...unless it rewinds to the older savepoint it wrote itself.
  await using rewound = createStateStore({
    runId: 'shop-a',
    schedule: 60_000,
    storage,
  });
  const back = await rewound.loadRunState({ at: 120_000 });
  check(
    back.timestamp === 120_000 && back.rewound.join() === '180000',
    'release 1 rewinds to savepoint 120 000; the v2 one is quarantined',
  );
  await rewound.close();

  // Undo the rewind (release 2 is back): list the quarantined savepoint and
  // restore it; it is newer than every live one, as a restore requires.
  // (`runstate quarantine URL RUN [--restore TS]` does the same.)
  const quarantined = await listQuarantinedSavepoints(storage, 'shop-a');
  check(
    quarantined.map((q) => `${q.timestamp}@v${q.version}`).join() ===
      '180000@v2',
    'the quarantined v2 savepoint is listed with its version',
  );
  await restoreQuarantinedSavepoint(storage, 'shop-a', 180_000);
  check(
    (await storage.newestTimestamp('shop-a')) === 180_000,
    'restoring it makes it the newest live savepoint again',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
