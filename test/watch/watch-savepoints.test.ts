/**
 * watchSavepoints: notices from Postgres (LISTEN/NOTIFY) and Redis
 * (pub/sub) written through another storage instance (its own
 * connections, as another process has), polling for the others, the run
 * filter, order per run, reconnection after the server killed the
 * listening connection, and option checks.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  watchSavepoints,
  type SavepointEvent,
  type SavepointWatch,
  type StorageAdapter,
} from '../../src/index.js';
import { PostgresStorage } from '../../src/storage/postgres/index.js';
import { RedisStorage } from '../../src/storage/redis/index.js';

const PG_URL = process.env.RUNSTATE_PG_URL;
const REDIS_URL = process.env.RUNSTATE_REDIS_URL;
const hex = (): string => randomBytes(5).toString('hex');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sp = (timestamp: number) => ({
  timestamp,
  entries: [['e', new Uint8Array([1])] as const],
});

/** Collect events from `watch` until `count` arrived. */
function collect(watch: SavepointWatch, count: number, ms = 20_000) {
  const events: SavepointEvent[] = [];
  const done = (async () => {
    const timer = setTimeout(() => void watch.close(), ms);
    for await (const e of watch) {
      events.push(e);
      if (events.length >= count) break;
    }
    clearTimeout(timer);
    return events;
  })();
  return { events, done };
}

interface Pair {
  readonly writer: StorageAdapter;
  readonly reader: StorageAdapter;
  /** Kill the reader's listening connection from the server side. */
  readonly kill: () => Promise<void>;
}

async function postgresPair(): Promise<Pair> {
  const schema = `runstate_watch_${hex()}`;
  const admin = new pg.Pool({ connectionString: PG_URL });
  const open = () => PostgresStorage.open({ connectionString: PG_URL, schema });
  const writer = await open();
  const reader = await open();
  cleanups.push(async () => {
    await reader.close();
    await writer.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  const kill = async () => {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE query = $1 AND pid <> pg_backend_pid()`,
      [`LISTEN "runstate:${schema}"`],
    );
  };
  return { writer, reader, kill };
}

async function redisPair(): Promise<Pair> {
  const prefix = `runstate-watch:${hex()}:`;
  const admin = await createClient({ url: REDIS_URL }).connect();
  const writer = await RedisStorage.open({ url: REDIS_URL, prefix });
  const reader = await RedisStorage.open({ url: REDIS_URL, prefix });
  cleanups.push(async () => {
    await reader.close();
    await writer.close();
    for await (const keys of admin.scanIterator({ MATCH: `${prefix}*` })) {
      if (keys.length > 0) await admin.unlink(keys);
    }
    await admin.close();
  });
  const kill = async () => {
    const list = await admin.clientList({ TYPE: 'PUBSUB' });
    for (const client of list) {
      const line = `id=${client.id} name=${client.name} sub=${client.sub}`;
      if (!line.includes(`sub=1`) || !line.includes('name=runstate-notices')) {
        continue;
      }
      const id = /id=(\d+)/.exec(line)?.[1];
      if (id !== undefined)
        await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
    }
  };
  return { writer, reader, kill };
}

const SERVERS = [
  { name: 'Postgres', skip: PG_URL === undefined, pair: postgresPair },
  { name: 'Redis', skip: REDIS_URL === undefined, pair: redisPair },
];

describe.each(SERVERS)('watchSavepoints on $name', ({ skip, pair }) => {
  it.skipIf(skip)(
    'yields each committed savepoint of the watched runs, in order per run, through notices',
    async () => {
      const { writer, reader } = await pair();
      await writer.writeSavepoint('old', sp(1), { keep: 2 });
      const watch = watchSavepoints(reader, { runs: /^a|^b/ });
      expect(watch.mode).toBe('notify');
      await watch.ready;
      const { done } = collect(watch, 6);
      for (let t = 1; t <= 3; t++) {
        await writer.writeSavepoint('a', sp(t * 10), { keep: 2 });
        await writer.writeSavepoint('other', sp(t * 10), { keep: 2 });
        await writer.writeSavepoint('b', sp(t * 10), { keep: 2 });
      }
      await expect(
        writer.writeSavepoint('a', sp(5), { keep: 2 }),
      ).rejects.toMatchObject({ code: 'E_NOT_MONOTONIC' });
      const events = await done;
      const of = (runId: string) =>
        events.filter((e) => e.runId === runId).map((e) => e.timestamp);
      expect(of('a')).toEqual([10, 20, 30]);
      expect(of('b')).toEqual([10, 20, 30]);
      expect(events.every((e) => e.version === 0 && !e.mayHaveMissed)).toBe(
        true,
      );
    },
    60_000,
  );

  it.skipIf(skip)(
    'reconnects after the server killed its connection, and yields the newest savepoint written meanwhile with mayHaveMissed',
    async () => {
      const { writer, reader, kill } = await pair();
      const watch = watchSavepoints(reader, { runs: ['r'] });
      await watch.ready;
      const { events, done } = collect(watch, 3, 30_000);
      await writer.writeSavepoint('r', sp(10), { keep: 2 });
      while (events.length < 1) await new Promise((r) => setTimeout(r, 10));
      await kill();
      // Written while the watch may be disconnected.
      await writer.writeSavepoint('r', sp(20), { keep: 2 });
      await writer.writeSavepoint('r', sp(30), { keep: 2 });
      // Eventually a reconnection; one more write after it.
      const deadline = Date.now() + 20_000;
      while (events.length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await writer.writeSavepoint('r', sp(40), { keep: 2 });
      const all = await done;
      const ts = all.map((e) => e.timestamp);
      expect(ts[0]).toBe(10);
      // In order, nothing twice; the event after the loss says so.
      expect([...ts].sort((x, y) => x - y)).toEqual(ts);
      expect(new Set(ts).size).toBe(ts.length);
      expect(ts.at(-1)).toBeGreaterThanOrEqual(30);
      const afterLoss = all.find((e) => e.timestamp > 10);
      expect(afterLoss?.mayHaveMissed).toBe(true);
    },
    60_000,
  );
  it.skipIf(skip)(
    'ends the iteration with E_CLOSED when its storage is closed under it',
    async () => {
      const { writer } = await pair();
      const watch = watchSavepoints(writer, { runs: ['r'] });
      await watch.ready;
      const iteration = (async () => {
        for await (const event of watch) void event;
      })();
      await writer.close();
      await expect(iteration).rejects.toMatchObject({ code: 'E_CLOSED' });
      await watch.close(); // still idempotent
    },
    60_000,
  );
});

describe('watchSavepoints by polling', () => {
  it('ends the iteration with E_CLOSED when its storage is closed under it', async () => {
    const storage = new MemoryStorage();
    const watch = watchSavepoints(storage, { runs: ['r'], pollEveryMs: 10 });
    await watch.ready;
    await storage.writeSavepoint('r', sp(10), { keep: 2 });
    const seen: number[] = [];
    const iteration = (async () => {
      for await (const event of watch) seen.push(event.timestamp);
    })();
    while (seen.length < 1) await new Promise((r) => setTimeout(r, 5));
    await storage.close();
    await expect(iteration).rejects.toMatchObject({ code: 'E_CLOSED' });
    expect(seen).toEqual([10]);
  });

  it('polls a storage without notices: savepoints after ready, per run in order, pruned ones flagged', async () => {
    await using storage = await MemoryStorage.open();
    await storage.writeSavepoint('r', sp(1), { keep: 2 });
    const watch = watchSavepoints(storage, { runs: 'r', pollEveryMs: 20 });
    expect(watch.mode).toBe('poll');
    await watch.ready;
    const { events: seen, done } = collect(watch, 4);
    const heard = async (n: number) => {
      while (seen.length < n) await new Promise((r) => setTimeout(r, 5));
    };
    await storage.writeSavepoint('r', sp(2), { keep: 2 });
    await heard(1);
    // Three writes at once (between two polls) with keep 2: 3 is pruned
    // unseen.
    await Promise.all(
      [3, 4, 5].map((t) => storage.writeSavepoint('r', sp(t), { keep: 2 })),
    );
    await heard(3);
    await storage.writeSavepoint('r', sp(6), { keep: 2 });
    const events = await done;
    expect(events.map((e) => [e.timestamp, e.mayHaveMissed])).toEqual([
      [2, false],
      [4, true],
      [5, false],
      [6, false],
    ]);
  });

  it('ends the iteration on close() or on its signal', async () => {
    await using storage = await MemoryStorage.open();
    const controller = new AbortController();
    const watch = watchSavepoints(storage, {
      runs: ['x'],
      signal: controller.signal,
      pollEveryMs: 10,
    });
    await watch.ready;
    const ended = (async () => {
      const seen: SavepointEvent[] = [];
      for await (const e of watch) seen.push(e);
      return seen;
    })();
    controller.abort();
    await expect(ended).resolves.toEqual([]);
  });

  it('refuses bad options, naming them', async () => {
    await using storage = await MemoryStorage.open();
    expect(() => watchSavepoints(storage, {} as never)).toThrow(
      /options\.runs/,
    );
    expect(() => watchSavepoints(storage, { runs: [''] })).toThrow(
      /options\.runs\[0\]/,
    );
    expect(() =>
      watchSavepoints(storage, { runs: 'r', pollEveryMs: 0 }),
    ).toThrow(RangeError);
    expect(() => watchSavepoints(null as never, { runs: 'r' })).toThrow(
      TypeError,
    );
  });

  // Found by the fuzz soak (soak/fuzz-worker-targets.ts): an object
  // without the storage methods, and a logger without its methods, were
  // accepted (the watch then failed on its first poll, or logged nothing).
  it('refuses a storage without its methods and a bad logger, naming them', async () => {
    await using storage = await MemoryStorage.open();
    for (const bad of [{}, { listRuns: () => [] }]) {
      expect(() => watchSavepoints(bad as never, { runs: 'r' })).toThrow(
        /^storage must be a StorageAdapter/,
      );
    }
    for (const logger of [null, 5, {}, { info: () => undefined }]) {
      expect(() =>
        watchSavepoints(storage, { runs: 'r', logger: logger as never }),
      ).toThrow(/^options\.logger must/);
    }
  });
});
