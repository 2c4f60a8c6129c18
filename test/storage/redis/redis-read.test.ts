import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plain, savepoint } from '../../../src/testing/fixture.js';
import { RedisStorage } from '../../../src/storage/redis/index.js';
import {
  runKeys,
  savepointKey,
} from '../../../src/storage/redis/redis-keys.js';
import type { RedisClientLike } from '../../../src/storage/redis/redis-options.js';

const URL = process.env.RUNSTATE_REDIS_URL;

if (URL === undefined) {
  console.warn(
    '\n*** RedisStorage read tests SKIPPED: RUNSTATE_REDIS_URL is not set. ***\n' +
      '*** Run them with RUNSTATE_REDIS_URL=redis://127.0.0.1:6379 npx vitest run test/storage/redis-read.test.ts ***\n',
  );
}

type Client = ReturnType<typeof createClient>;

/** What a racing writer does around the reader's `HGETALL`. */
interface Race {
  before?(writer: RedisStorage): Promise<void>;
  after?(writer: RedisStorage): Promise<void>;
}

/**
 * A caller-owned client that lets `writer` act just before and just after
 * the reader's first `HGETALL` (a writer racing the read), and records every
 * command name.
 */
function racing(
  client: Client,
  writer: () => RedisStorage,
  race: Race,
): RedisClientLike & { readonly sent: string[] } {
  const sent: string[] = [];
  let raced = false;
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
      const racingNow = name === 'HGETALL' && !raced;
      raced ||= racingNow;
      if (racingNow) await race.before?.(writer());
      sent.push(name);
      const reply = await client.sendCommand([...args], options);
      if (racingNow) await race.after?.(writer());
      return reply;
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
  async function setup(race: Race = {}) {
    prefix = `runstate-read-test:${randomUUID()}:`;
    const writer = await RedisStorage.open({ url, prefix });
    const wrapped = racing(client, () => writer, race);
    const reader = await RedisStorage.open({ client: wrapped, prefix });
    wrapped.sent.length = 0; // what open() sent (SCRIPT LOAD…)
    const close = async () => {
      await writer.close();
      await reader.close();
    };
    return { writer, reader, sent: wrapped.sent, close };
  }

  it('reads with ZRANGE and one HGETALL, no script, when no writer races', async () => {
    const { writer, reader, sent, close } = await setup();
    await writer.writeSavepoint('r', savepoint(1, { a: [1], b: [10] }), {
      keep: 2,
    });
    expect(plain(await reader.readSavepoint('r'))).toEqual([
      ['a', [1]],
      ['b', [10]],
    ]);
    expect(plain(await reader.readSavepoint('r', 1))).toHaveLength(2);
    expect(sent).toEqual(['ZRANGE', 'HGETALL', 'ZSCORE', 'HGETALL']);
    await close();
  });

  it('reads the newer savepoint when a writer prunes the newest between the two reads', async () => {
    const { writer, reader, sent, close } = await setup({
      before: (w) =>
        w.writeSavepoint('r', savepoint(2, { a: [2], b: [20] }), { keep: 1 }),
    });
    await writer.writeSavepoint('r', savepoint(1, { a: [1], b: [10] }), {
      keep: 1,
    });
    expect(plain(await reader.readSavepoint('r'))).toEqual([
      ['a', [2]],
      ['b', [20]],
    ]);
    expect(sent).toEqual(['ZRANGE', 'HGETALL', 'EVALSHA']);
    await close();
  });

  it('reports a savepoint pruned between the two reads as gone when it was asked for by timestamp', async () => {
    const { writer, reader, close } = await setup({
      before: (w) => w.writeSavepoint('r', savepoint(2), { keep: 1 }),
    });
    await writer.writeSavepoint('r', savepoint(1), { keep: 1 });
    expect(await reader.readSavepoint('r', 1)).toBeUndefined();
    await close();
  });

  it('is not fooled into E_CORRUPTED by a savepoint quarantined and written again at the same timestamp during the read', async () => {
    const { writer, reader, close } = await setup({
      before: (w) => w.quarantineSavepoint('r', 2),
      after: (w) =>
        w.writeSavepoint('r', savepoint(2, { a: [22], b: [22] }), { keep: 2 }),
    });
    await writer.writeSavepoint('r', savepoint(1), { keep: 2 });
    await writer.writeSavepoint('r', savepoint(2), { keep: 2 });
    const read = await reader.readSavepoint('r');
    expect(read?.timestamp).toBe(2);
    expect(plain(read)).toEqual([
      ['a', [22]],
      ['b', [22]],
    ]);
    await close();
  });

  it('reads a live savepoint whose hash is missing as E_CORRUPTED, not as missing', async () => {
    const { writer, reader, close } = await setup();
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
    await close();
  });
});
