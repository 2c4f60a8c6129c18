import { randomUUID } from 'node:crypto';
import { RESP_TYPES, createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damage, savepoint } from '../../../src/testing/fixture.js';
import { describeStorageAdapter } from '../../../src/testing/index.js';
import { RedisStorage } from '../../../src/storage/redis/index.js';
import type { StorageAdapter } from '../../../src/storage/types.js';
import {
  runKeys,
  savepointKey,
} from '../../../src/storage/redis/redis-keys.js';

const URL = process.env.RUNSTATE_REDIS_URL;

if (URL === undefined) {
  console.warn(
    '\n*** RedisStorage tests SKIPPED: RUNSTATE_REDIS_URL is not set. ***\n' +
      '*** Run them with RUNSTATE_REDIS_URL=redis://127.0.0.1:6379 npx vitest run test/storage/redis.test.ts ***\n',
  );
}

/** A caller-owned client, failing fast while disconnected. */
async function connect(url: string) {
  const client = createClient({ url, disableOfflineQueue: true });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

type Client = Awaited<ReturnType<typeof connect>>;

/** The ids of the connections named `runstate` (created from a URL). */
async function runstateConnections(admin: Client): Promise<Set<string>> {
  const list = await admin.clientList();
  return new Set(
    list.filter((c) => c.name === 'runstate').map((c) => String(c.id)),
  );
}

/** A RedisStorage on its own client, and that client's id on the server. */
async function openOwnRunstateClient(
  admin: Client,
  url: string,
  prefix: string,
): Promise<{ storage: RedisStorage; id: string }> {
  for (let attempt = 0; ; attempt++) {
    const before = await runstateConnections(admin);
    const storage = await RedisStorage.open({ url, prefix });
    await storage.writeSavepoint('r', savepoint(1, { a: [1] }), { keep: 5 });
    const mine = [...(await runstateConnections(admin))].filter(
      (id) => !before.has(id),
    );
    if (mine.length === 1) return { storage, id: mine[0] as string };
    await storage.deleteRun('r');
    await storage.close();
    if (attempt === 20) throw new Error(`no lone new client: ${mine.join()}`);
  }
}

function freshPrefix(): string {
  return `runstate-test:${randomUUID()}:`;
}

/** Every key under `prefix`, by SCAN. */
async function keysUnder(client: Client, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*` })) {
    found.push(...batch);
  }
  return found.sort();
}

async function deleteUnder(client: Client, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  if (keys.length > 0) await client.del(keys);
}

/** Damage every state of a live savepoint with HSET. */
async function corruptWith(
  client: Client,
  prefix: string,
  runId: string,
  timestamp: number,
): Promise<void> {
  const key = savepointKey(runKeys(prefix, runId), timestamp);
  const hash = await client
    .withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })
    .hGetAll(key);
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('e:'))
      await client.hSet(key, field, Buffer.from(damage(value)));
  }
}

const waitUntil = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe.skipIf(URL === undefined)('with a Redis server', () => {
  const url = URL ?? '';
  let admin: Client;
  beforeAll(async () => {
    admin = await connect(url);
  });
  afterAll(async () => {
    await admin?.close();
  });

  describeStorageAdapter(
    'RedisStorage',
    async () => {
      const prefix = freshPrefix();
      const handles: StorageAdapter[] = [
        await RedisStorage.open({ url, prefix }),
      ];
      return {
        storage: handles[0] as StorageAdapter,
        reopen: async ({ readOnly }) => {
          handles.push(await RedisStorage.open({ url, prefix, readOnly }));
          return handles.at(-1) as StorageAdapter;
        },
        corrupt: (runId, ts) => corruptWith(admin, prefix, runId, ts),
        cleanup: async () => {
          await Promise.all(handles.map((h) => h.close()));
          await deleteUnder(admin, prefix);
        },
      };
    },
    {
      capabilities: {
        reopen: true,
        readOnly: true,
        leases: true,
        listLeases: true,
        replace: true,
        quarantine: true,
        notifications: true,
      },
    },
  );

  describeStorageAdapter(
    'RedisStorage (caller-owned RESP3 client)',
    async () => {
      const prefix = freshPrefix();
      const client = createClient({ url, RESP: 3, disableOfflineQueue: true });
      client.on('error', () => undefined);
      await client.connect();
      const handles: StorageAdapter[] = [
        await RedisStorage.open({ client, prefix }),
      ];
      return {
        storage: handles[0] as StorageAdapter,
        reopen: async ({ readOnly }) => {
          handles.push(await RedisStorage.open({ client, prefix, readOnly }));
          return handles.at(-1) as StorageAdapter;
        },
        corrupt: (runId, ts) => corruptWith(admin, prefix, runId, ts),
        cleanup: async () => {
          await Promise.all(handles.map((h) => h.close()));
          await deleteUnder(admin, prefix);
          await client.close();
        },
      };
    },
    {
      capabilities: {
        reopen: true,
        readOnly: true,
        leases: true,
        listLeases: true,
        replace: true,
        quarantine: true,
        notifications: true,
      },
    },
  );

  describe('RedisStorage', () => {
    // Found by the fuzz soak (soak/fuzz-lease-targets.ts): any value was
    // taken as a subscriber.
    it('subscribeSavepoints refuses a subscriber without its methods', async () => {
      await using storage = await RedisStorage.open({
        url,
        prefix: freshPrefix(),
      });
      for (const bad of [null, 5, 'x', {}, { notice: () => undefined }]) {
        await expect(
          storage.subscribeSavepoints!(bad as never),
        ).rejects.toThrow(/^subscriber must be an object with notice/);
      }
    });

    // Found by the fuzz soak (soak/fuzz-misc-targets.ts): prefix null was
    // taken for the default prefix.
    it('refuses prefix null, naming the option', async () => {
      await expect(
        RedisStorage.open({ url, prefix: null as never }),
      ).rejects.toThrow(/^options.prefix must be a string/);
    });

    it('isolates two storages with different prefixes on one Redis', async () => {
      const [p1, p2] = [freshPrefix(), freshPrefix()];
      await using one = await RedisStorage.open({ url, prefix: p1 });
      await using two = await RedisStorage.open({ url, prefix: p2 });
      await one.writeSavepoint('r', savepoint(5, { a: [1] }), { keep: 2 });
      await two.writeSavepoint('r', savepoint(1, { a: [2] }), { keep: 2 });
      expect(await one.listSavepoints('r')).toEqual([5]);
      expect(await two.listSavepoints('r')).toEqual([1]);
      await two.deleteRun('r');
      expect(await one.listRuns()).toEqual(['r']);
      expect(await keysUnder(admin, p2)).toEqual([]);
      await deleteUnder(admin, p1);
    });

    it('leaves no key under the prefix after deleteRun', async () => {
      const prefix = freshPrefix();
      await using storage = await RedisStorage.open({ url, prefix });
      const id = 'odd:{id}*?';
      for (const ts of [1, 2, 3]) {
        await storage.writeSavepoint(id, savepoint(ts, { a: [1], b: [2] }), {
          keep: 2,
        });
      }
      await storage.quarantineSavepoint(id, 3);
      expect((await keysUnder(admin, prefix)).length).toBeGreaterThan(3);
      expect(await storage.deleteRun(id)).toBe(true);
      expect(await keysUnder(admin, prefix)).toEqual([]);
    });

    it('stages a savepoint and leaves no staged key after the commit or a refused write', async () => {
      const prefix = freshPrefix();
      await using storage = await RedisStorage.open({ url, prefix });
      await storage.writeSavepoint('r', savepoint(5, { a: [1] }), { keep: 2 });
      const after = await keysUnder(admin, prefix);
      expect(after.filter((k) => k.includes('staging'))).toEqual([]);
      await expect(
        storage.writeSavepoint('r', savepoint(5, { a: [2] }), { keep: 2 }),
      ).rejects.toMatchObject({ code: 'E_NOT_MONOTONIC' });
      expect(await keysUnder(admin, prefix)).toEqual(after);
      await deleteUnder(admin, prefix);
    });

    it('removes the staged hash of a writer that died before its commit: it expires, and deleteRun deletes it', async () => {
      const prefix = freshPrefix();
      await using storage = await RedisStorage.open({ url, prefix });
      await storage.writeSavepoint('r', savepoint(1, { a: [1] }), { keep: 2 });
      // What a writer killed between staging and commit leaves behind.
      const keys = runKeys(prefix, 'r');
      const staged = `${keys.base}staging:deadbeefdeadbeef`;
      await admin.sAdd(keys.staging, 'deadbeefdeadbeef');
      await admin.hSet(staged, { n: '1', 'e:a': 'x' });
      await admin.pExpire(staged, 600_000);
      expect(await admin.pTTL(staged)).toBeGreaterThan(0);
      expect(await storage.listSavepoints('r')).toEqual([1]);
      expect((await storage.readSavepoint('r'))?.timestamp).toBe(1);
      expect(await storage.deleteRun('r')).toBe(true);
      expect(await keysUnder(admin, prefix)).toEqual([]);
    });

    it('keeps every key of a run in one cluster slot, under a hash tag', async () => {
      const prefix = freshPrefix();
      await using storage = await RedisStorage.open({ url, prefix });
      await storage.writeSavepoint('{x}:y', savepoint(1), { keep: 2 });
      await storage.quarantineSavepoint('{x}:y', 1);
      await storage.writeSavepoint('{x}:y', savepoint(2), { keep: 2 });
      const keys = (await keysUnder(admin, prefix)).filter((k) =>
        k.includes(':run:'),
      );
      const slots = await Promise.all(
        keys.map((k) =>
          admin
            .sendCommand(['CLUSTER', 'KEYSLOT', k])
            .catch(() => k.split('}')[0]),
        ),
      );
      expect(keys).toHaveLength(4);
      expect(new Set(slots).size).toBe(1);
      await deleteUnder(admin, prefix);
    });

    it('waits in close() for a write in flight', async () => {
      const prefix = freshPrefix();
      const storage = await RedisStorage.open({ url, prefix });
      const entries = Array.from(
        { length: 2000 },
        (_, i) => [`e${i}`, new Uint8Array(512)] as const,
      );
      const write = storage.writeSavepoint(
        'r',
        { timestamp: 1, entries },
        { keep: 1 },
      );
      await storage.close();
      await expect(write).resolves.toBeUndefined();
      await using other = await RedisStorage.open({ url, prefix });
      expect(await other.listSavepoints('r')).toEqual([1]);
      await deleteUnder(admin, prefix);
    });

    it('does not close a caller-owned client', async () => {
      const client = await connect(url);
      const prefix = freshPrefix();
      const storage = await RedisStorage.open({ client, prefix });
      await storage.initRun('r');
      await storage.close();
      expect(client.isReady).toBe(true);
      expect(await client.sMembers(`${prefix}runs`)).toEqual(['r']);
      await deleteUnder(client, prefix);
      await client.close();
    });

    it('refuses every write with E_READ_ONLY when read-only, and reads', async () => {
      const prefix = freshPrefix();
      await using writer = await RedisStorage.open({ url, prefix });
      await writer.writeSavepoint('r', savepoint(1), { keep: 2 });
      await using reader = await RedisStorage.open({
        url,
        prefix,
        readOnly: true,
      });
      expect(reader.readOnly).toBe(true);
      const writes = [
        reader.initRun('r'),
        reader.writeSavepoint('r', savepoint(2), { keep: 1 }),
        reader.prune('r', 1),
        reader.quarantineSavepoint('r', 1),
        reader.deleteRun('r'),
      ];
      for (const write of writes) {
        await expect(write).rejects.toMatchObject({ code: 'E_READ_ONLY' });
      }
      expect(await reader.listSavepoints('r')).toEqual([1]);
      await deleteUnder(admin, prefix);
    });

    it('fails with E_STORAGE on a bad URL', async () => {
      await expect(
        RedisStorage.open({ url: 'redis://127.0.0.1:1' }),
      ).rejects.toMatchObject({
        code: 'E_STORAGE',
        cause: expect.any(Error) as unknown,
      });
    });

    it('turns a lost connection of its own client into E_STORAGE, loses nothing, and works after reconnecting', async () => {
      const prefix = freshPrefix();
      // Other test files open 'runstate' clients at the same time: open
      // until exactly one new client appeared, so the kill hits ours only.
      const { storage, id } = await openOwnRunstateClient(admin, url, prefix);
      await using _ = storage;
      await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
      const error: unknown = await storage
        .writeSavepoint('r', savepoint(2, { a: [2] }), { keep: 5 })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'RunStateError',
        code: 'E_STORAGE',
        details: { runId: 'r', timestamp: 2 },
        cause: expect.any(Error) as unknown,
      });
      let listed: number[] | undefined;
      for (let i = 0; i < 200 && listed === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        listed = await storage.listSavepoints('r').catch(() => undefined);
      }
      expect(listed).toEqual([1]);
      await storage.writeSavepoint('r', savepoint(3, { a: [3] }), { keep: 5 });
      expect(await storage.listSavepoints('r')).toEqual([1, 3]);
      await deleteUnder(admin, prefix);
    });

    it('turns a lost connection into E_STORAGE, loses nothing, and works after reconnecting', async () => {
      const client = await connect(url);
      const prefix = freshPrefix();
      await using storage = await RedisStorage.open({ client, prefix });
      await storage.writeSavepoint('r', savepoint(1, { a: [1] }), { keep: 5 });
      const id = String(await client.clientId());
      await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
      const error: unknown = await storage
        .writeSavepoint('r', savepoint(2, { a: [2] }), { keep: 5 })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'RunStateError',
        code: 'E_STORAGE',
        details: { runId: 'r', timestamp: 2 },
        cause: expect.any(Error) as unknown,
      });
      await waitUntil(() => client.isReady);
      expect(await storage.listSavepoints('r')).toEqual([1]);
      await storage.writeSavepoint('r', savepoint(3, { a: [3] }), { keep: 5 });
      expect(await storage.listSavepoints('r')).toEqual([1, 3]);
      await deleteUnder(admin, prefix);
      await client.close();
    });
  });
});
