import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plain, savepoint } from '../../src/testing/fixture.js';
import { RedisStorage } from '../../src/storage/redis.js';
import { runKeys, savepointKey } from '../../src/storage/redis-keys.js';
import type { RedisClientLike } from '../../src/storage/redis-options.js';

const URL = process.env.RUNSTATE_REDIS_URL;

if (URL === undefined) {
  console.warn(
    '\n*** RedisStorage read tests SKIPPED: RUNSTATE_REDIS_URL is not set. ***\n' +
      '*** Run them with RUNSTATE_REDIS_URL=redis://127.0.0.1:6379 npx vitest run test/storage/redis-read.test.ts ***\n',
  );
}

type Client = ReturnType<typeof createClient>;

/**
 * A caller-owned client that runs `beforeHgetall` before forwarding each
 * `HGETALL` (a writer racing the read), and records every command name.
 */
function racing(
  client: Client,
  beforeHgetall: () => Promise<void>,
): RedisClientLike & { readonly sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    get isOpen() {
      return client.isOpen;
    },
    get isReady() {
      return client.isReady;
    },
    async sendCommand(args, options) {
      const name = String(args[0]);
      if (name === 'HGETALL') await beforeHgetall();
      sent.push(name);
      return client.sendCommand([...args], options);
    },
  };
}

describe.skipIf(URL === undefined)('RedisStorage reads', () => {
  const url = URL ?? '';
  let client: Client;
  let prefix: string;
  beforeAll(async () => {
    client = createClient({ url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
  });
  afterAll(async () => {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({
      MATCH: 'runstate-read-test:*',
    })) {
      keys.push(...batch);
    }
    if (keys.length > 0) await client.del(keys);
    await client.close();
  });

  /** A writer under a fresh prefix, and a reader racing it. */
  async function setup(race: (writer: RedisStorage) => Promise<void>) {
    prefix = `runstate-read-test:${randomUUID()}:`;
    const writer = await RedisStorage.open({ url, prefix });
    const wrapped = racing(client, () => race(writer));
    const reader = await RedisStorage.open({ client: wrapped, prefix });
    return { writer, reader, sent: wrapped.sent };
  }

  it('reads the newer savepoint when a writer prunes the newest between the two reads', async () => {
    let raced = false;
    const { writer, reader, sent } = await setup(async (w) => {
      if (raced) return;
      raced = true;
      await w.writeSavepoint('r', savepoint(2, { a: [2], b: [20] }), {
        keep: 1,
      });
    });
    await writer.writeSavepoint('r', savepoint(1, { a: [1], b: [10] }), {
      keep: 1,
    });
    expect(plain(await reader.readSavepoint('r'))).toEqual([
      ['a', [2]],
      ['b', [20]],
    ]);
    expect(sent.filter((c) => c === 'HGETALL')).toHaveLength(2);
    expect(sent).not.toContain('EVALSHA');
    await writer.close();
    await reader.close();
  });

  it('reports a savepoint pruned between the two reads as gone when it was asked for by timestamp', async () => {
    const { writer, reader } = await setup((w) =>
      w.writeSavepoint('r', savepoint(2), { keep: 1 }),
    );
    await writer.writeSavepoint('r', savepoint(1), { keep: 1 });
    expect(await reader.readSavepoint('r', 1)).toBeUndefined();
    await writer.close();
    await reader.close();
  });

  it('falls back to the atomic read script while writers keep winning the race', async () => {
    let ts = 1;
    const { writer, reader, sent } = await setup(async (w) => {
      ts++;
      await w.writeSavepoint('r', savepoint(ts, { a: [ts], b: [ts] }), {
        keep: 1,
      });
    });
    await writer.writeSavepoint('r', savepoint(1, { a: [1], b: [1] }), {
      keep: 1,
    });
    const read = await reader.readSavepoint('r');
    expect(sent.filter((c) => c === 'HGETALL')).toHaveLength(3);
    expect(sent.at(-1)).toBe('EVALSHA');
    expect(read?.timestamp).toBe(ts);
    expect(plain(read)).toEqual([
      ['a', [ts]],
      ['b', [ts]],
    ]);
    await writer.close();
    await reader.close();
  });

  it('reads a live savepoint whose hash is missing as E_CORRUPTED, not as missing', async () => {
    const { writer, reader } = await setup(() => Promise.resolve());
    await writer.writeSavepoint('r', savepoint(1), { keep: 2 });
    await writer.writeSavepoint('r', savepoint(2), { keep: 2 });
    await client.del(savepointKey(runKeys(prefix, 'r'), 2));
    await expect(reader.readSavepoint('r')).rejects.toMatchObject({
      code: 'E_CORRUPTED',
      details: { runId: 'r', timestamp: 2 },
    });
    await expect(reader.readSavepoint('r', 2)).rejects.toMatchObject({
      code: 'E_CORRUPTED',
    });
    expect(plain(await reader.readSavepoint('r', 1))).toEqual([['a', [1]]]);
    await writer.close();
    await reader.close();
  });
});
