/**
 * A consumer of the packed package (run by `scripts/check-package.ts`, not
 * by vitest): it is type-checked with `skipLibCheck: false` against the
 * published `.d.ts` files, compiled, and run with plain Node. It imports
 * every public subpath (`subpaths.ts` is generated from package.json
 * `exports`), subclasses `BaseStorage`, resumes a run on SQLite, and uses
 * `runstate/otel` and `runstate/http` (their optional peers linked).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseStorage,
  createStateStore,
  notMonotonicError,
  resumeOrStart,
  type StoredSavepoint,
} from 'runstate';
import { createAdminServer } from 'runstate/http';
import { otelMetrics } from 'runstate/otel';
import { SqliteStorage } from 'runstate/sqlite';
import { subpaths } from './subpaths.js';

/** A storage of a user's own, as `docs/storage-adapters.md` shows. */
class MapStorage extends BaseStorage {
  readonly #runs = new Map<string, StoredSavepoint[]>();

  private constructor() {
    super({ name: 'MapStorage' });
  }

  static open(): Promise<MapStorage> {
    return Promise.resolve(new MapStorage());
  }

  protected _isInitialized(runId: string): boolean {
    return this.#runs.has(runId);
  }

  protected _initRun(runId: string): void {
    if (!this.#runs.has(runId)) this.#runs.set(runId, []);
  }

  protected _writeSavepoint(
    runId: string,
    savepoint: StoredSavepoint,
    keep: number,
  ): void {
    const live = this.#runs.get(runId) ?? [];
    const newest = live.at(-1)?.timestamp;
    if (newest !== undefined && newest >= savepoint.timestamp) {
      throw notMonotonicError(runId, savepoint.timestamp, newest);
    }
    const entries = savepoint.entries.map(
      ([id, bytes]) => [id, new Uint8Array(bytes)] as const,
    );
    live.push({ timestamp: savepoint.timestamp, entries });
    this.#runs.set(runId, live.slice(-keep));
  }

  protected _readSavepoint(
    runId: string,
    timestamp: number | undefined,
  ): StoredSavepoint | undefined {
    const live = this.#runs.get(runId) ?? [];
    return timestamp === undefined
      ? live.at(-1)
      : live.find((sp) => sp.timestamp === timestamp);
  }

  protected _listSavepoints(runId: string): number[] {
    return (this.#runs.get(runId) ?? []).map((sp) => sp.timestamp);
  }

  protected _prune(runId: string, keep: number): number {
    const live = this.#runs.get(runId) ?? [];
    this.#runs.set(runId, live.slice(-keep));
    return Math.max(0, live.length - keep);
  }

  protected _quarantineSavepoint(runId: string, timestamp: number): void {
    const live = this.#runs.get(runId) ?? [];
    this.#runs.set(
      runId,
      live.filter((sp) => sp.timestamp !== timestamp),
    );
  }

  protected _deleteRun(runId: string): boolean {
    return this.#runs.delete(runId);
  }

  protected _listRuns(): string[] {
    return [...this.#runs.keys()];
  }
}

const SCHEDULE = 10;

/** Count messages at 0, 1, … up to `until` (exclusive), resuming first. */
async function countTo(storage: BaseStorage, until: number): Promise<number> {
  await using store = createStateStore({
    runId: 'consumer',
    schedule: SCHEDULE,
    storage,
  });
  const { timestamp, entities } = await resumeOrStart(store, {
    startFrom: 0,
    entities: [['count', 0]],
  });
  let count = entities[0]!;
  assert.equal(count.state, timestamp, 'one count per message before it');
  for (let t = timestamp; t < until; t++) {
    count = count.ackProcessedTime(t);
    count = count.updateState(t, (count.state as number) + 1);
  }
  count.ackProcessedTime(until);
  await store.flush();
  return timestamp;
}

/** Run to 25, then resume: the second run starts at the newest savepoint. */
async function resumes(storage: BaseStorage): Promise<void> {
  assert.equal(await countTo(storage, 25), 0);
  assert.equal(await countTo(storage, 45), 20);
  const newest = await storage.readSavepoint('consumer');
  assert.equal(newest?.timestamp, 40);
}

/** runstate/otel and runstate/http, with their optional peers installed. */
async function observes(storage: BaseStorage): Promise<void> {
  const metrics = otelMetrics(); // no SDK registered: the API's no-op meter
  {
    await using store = createStateStore({
      runId: 'observed',
      schedule: SCHEDULE,
      storage,
      metrics,
    });
    await store.initRunState(0, [['n', 0]]);
  }
  await using server = createAdminServer({ storage });
  const res = await server.fastify.inject({ url: '/api/runs' });
  assert.equal(res.statusCode, 200);
  const { runs } = res.json<{ runs: { runId: string }[] }>();
  assert.deepEqual(
    runs.map((r) => r.runId),
    ['consumer', 'observed'],
  );
}

for (const [name, module] of Object.entries(subpaths)) {
  assert.ok(Object.keys(module).length > 0, `${name} exports nothing`);
}
const dir = mkdtempSync(join(tmpdir(), 'runstate-consumer-db-'));
try {
  {
    await using sqlite = await SqliteStorage.open({
      path: join(dir, 'state.sqlite'),
    });
    await resumes(sqlite);
  }
  {
    await using sqlite = await SqliteStorage.open({
      path: join(dir, 'state.sqlite'),
    });
    assert.deepEqual(await sqlite.listRuns(), ['consumer']);
  }
  await using mine = await MapStorage.open();
  await resumes(mine);
  await observes(mine);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `ESM: ${Object.keys(subpaths).length} subpaths, resume on SQLite and on a BaseStorage subclass, metrics and the admin API`,
);
