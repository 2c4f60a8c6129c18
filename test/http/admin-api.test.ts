import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  defaultCodec,
  encodeTagged,
} from '../../src/index.js';
import { createAdminServer, type AdminServer } from '../../src/http/index.js';
import { MINUTE, T0, ordersStorage } from './fixture.js';

let server: AdminServer | undefined;
afterEach(() => server?.close());

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await server!.fastify.inject({
    method: 'GET',
    url: path,
    headers,
  });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

describe('createAdminServer(): storage routes', () => {
  it('lists runs with their savepoint count and newest savepoint', async () => {
    server = createAdminServer({ storage: await ordersStorage() });
    const { status, body } = await get('/api/runs');
    expect(status).toBe(200);
    expect(body).toEqual({
      runs: [
        {
          runId: 'orders',
          savepoints: 3,
          newest: T0 + 3 * MINUTE,
          newestDate: new Date(T0 + 3 * MINUTE).toISOString(),
        },
      ],
      total: 1,
      offset: 0,
    });
  });

  it('lists a run’s savepoints and one savepoint’s entities with sizes', async () => {
    const storage = await ordersStorage();
    server = createAdminServer({ storage });
    const list = await get('/api/runs/orders/savepoints');
    expect(list.body.savepoints).toEqual(
      [1, 2, 3].map((k) => ({
        timestamp: T0 + k * MINUTE,
        date: new Date(T0 + k * MINUTE).toISOString(),
      })),
    );
    const one = await get(`/api/runs/orders/savepoints/${T0 + 2 * MINUTE}`);
    const stored = await storage.readSavepoint('orders', T0 + 2 * MINUTE);
    const sizes = stored!.entries.map(([id, b]) => ({
      id,
      bytes: b.byteLength,
    }));
    expect(one.body).toMatchObject({
      runId: 'orders',
      timestamp: T0 + 2 * MINUTE,
      entityCount: 3,
      bytes: sizes.reduce((s, e) => s + e.bytes, 0),
      entities: sizes,
    });
  });

  it('pages long lists within the server’s limit', async () => {
    const storage = await MemoryStorage.open();
    for (let i = 0; i < 5; i++) await storage.initRun(`run-${i}`);
    server = createAdminServer({ storage, pageLimit: 2 });
    const first = await get('/api/runs?limit=50');
    expect((first.body.runs as unknown[]).length).toBe(2);
    expect(first.body.total).toBe(5);
    const last = await get('/api/runs?offset=4');
    expect(last.body.runs).toEqual([
      { runId: 'run-4', savepoints: 0, newest: null, newestDate: null },
    ]);
  });

  it('answers 404 for a missing run or savepoint, 400 for bad parameters', async () => {
    server = createAdminServer({ storage: await ordersStorage() });
    expect(await get('/api/runs/nope/savepoints')).toMatchObject({
      status: 404,
      body: { error: { code: 'E_NOT_FOUND' } },
    });
    expect((await get(`/api/runs/orders/savepoints/${T0}`)).status).toBe(404);
    expect((await get('/api/runs/orders/savepoints/12.5')).status).toBe(400);
    expect((await get('/api/runs/orders/savepoints/1e400')).status).toBe(400);
    expect((await get('/api/runs?offset=-1')).status).toBe(400);
  });

  it('never writes: every route works with the write methods removed', async () => {
    const inner = await ordersStorage();
    const writes = [
      'initRun',
      'writeSavepoint',
      'prune',
      'quarantineSavepoint',
      'deleteRun',
    ];
    const storage = new Proxy(inner, {
      get(target, key, receiver) {
        if (writes.includes(String(key)))
          throw new Error(`wrote: ${String(key)}`);
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    server = createAdminServer({ storage });
    const ts = T0 + 2 * MINUTE;
    for (const url of [
      '/api/runs',
      '/api/runs/orders/savepoints',
      `/api/runs/orders/savepoints/${ts}`,
      '/api/live',
      '/openapi.json',
    ]) {
      expect((await get(url)).status, url).toBe(200);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH'] as const) {
      const res = await server.fastify.inject({ method, url: '/api/runs' });
      expect(res.statusCode).toBe(404);
    }
  });
});

describe('createAdminServer(): states and diffs', () => {
  it('serves an entity’s state as tagged JSON', async () => {
    const storage = await ordersStorage();
    server = createAdminServer({ storage });
    const ts = T0 + 2 * MINUTE;
    const { status, body } = await get(
      `/api/runs/orders/savepoints/${ts}/entities/totals`,
    );
    expect(status).toBe(200);
    expect(body).toEqual(encodeTagged(new Map([['a', 3]])));
    const missing = await get(
      `/api/runs/orders/savepoints/${ts}/entities/nope`,
    );
    expect(missing).toMatchObject({
      status: 404,
      body: { error: { code: 'E_NOT_FOUND' } },
    });
  });

  it('streams a large state in chunks', async () => {
    const storage = await MemoryStorage.open();
    const big = Array.from(
      { length: 50_000 },
      (_, i) => `item-${i}-${'x'.repeat(40)}`,
    );
    await storage.writeSavepoint(
      'big',
      { timestamp: 1000, entries: [['list', defaultCodec.encode(big)]] },
      { keep: 1 },
    );
    server = createAdminServer({ storage });
    const res = await server.fastify.inject({
      url: '/api/runs/big/savepoints/1000/entities/list',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.json()).toEqual(big);
  });

  it('diffs two savepoints, and one entity’s state between them', async () => {
    server = createAdminServer({ storage: await ordersStorage() });
    const [a, b] = [T0 + MINUTE, T0 + 3 * MINUTE];
    const { status, body } = await get(
      `/api/runs/orders/diff?from=${a}&to=${b}`,
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      runId: 'orders',
      from: a,
      to: b,
      added: ['sku-9'],
      removed: ['old'],
      changed: ['totals'],
      unchanged: 0,
      counts: { added: 1, removed: 1, changed: 1 },
      truncated: false,
    });
    const one = await get(
      `/api/runs/orders/diff?from=${a}&to=${b}&entity=totals`,
    );
    expect(one.body.entity).toEqual({
      id: 'totals',
      changes: [expect.objectContaining({ kind: 'changed' })],
    });
    expect((await get(`/api/runs/orders/diff?from=${a}&to=1`)).status).toBe(
      404,
    );
    expect((await get(`/api/runs/orders/diff?from=${a}`)).status).toBe(400);
  });
});

describe('createAdminServer(): live runs and security', () => {
  it('shows live stores’ open savepoints and the entities holding them back', async () => {
    const storage = await MemoryStorage.open();
    const store = createStateStore({
      runId: 'live',
      schedule: MINUTE,
      storage,
    });
    const [fast] = await store.initRunState(0, [
      ['fast', 0],
      ['slow', 0],
    ]);
    fast!.ackProcessedTime(2 * MINUTE + 1);
    await store.flush();
    server = createAdminServer({ storage, runs: [store] });
    const { body } = await get('/api/live');
    expect(body.runs).toEqual([
      {
        runId: 'live',
        phase: 'ready',
        newestPersisted: null,
        open: [
          { timestamp: MINUTE, filled: 1, missing: ['slow'] },
          { timestamp: 2 * MINUTE, filled: 1, missing: ['slow'] },
        ],
        counters: { ...store.status().counters },
      },
    ]);
    await store.close();
  });

  it('requires the bearer token on the API when one is set', async () => {
    server = createAdminServer({
      storage: await ordersStorage(),
      token: 's3cret',
    });
    expect((await get('/api/runs')).status).toBe(401);
    expect(
      (await get('/api/runs', { authorization: 'Bearer nope' })).status,
    ).toBe(401);
    expect(
      (await get('/api/runs', { authorization: 'Bearer s3cret' })).status,
    ).toBe(200);
    expect((await get('/openapi.json')).status).toBe(401);
    for (const url of ['/', '/inspector.js', '/inspector.css']) {
      const page = await server.fastify.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(200);
    }
  });

  it('binds to 127.0.0.1 by default', async () => {
    server = createAdminServer({ storage: await MemoryStorage.open() });
    const url = await server.listen({ port: 0 });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/api/runs`);
    expect(res.status).toBe(200);
  });

  it('refuses bad options, naming them', async () => {
    const storage = await MemoryStorage.open();
    expect(() => createAdminServer({ storage: {} as never })).toThrow(
      /options\.storage must be a StorageAdapter/,
    );
    expect(() => createAdminServer({ storage, token: '' })).toThrow(TypeError);
    expect(() => createAdminServer({ storage, pageLimit: 0 })).toThrow(
      RangeError,
    );
    server = createAdminServer({ storage });
    await expect(server.listen({ port: 70000 })).rejects.toThrow(RangeError);
  });

  // Found by the fuzz soak (soak/fuzz-worker-targets.ts): listen(true)
  // bound the default port 4400 as if given no options, and a null codec
  // was taken for the default one.
  it('refuses listen options that are not an object and a null codec', async () => {
    const storage = await MemoryStorage.open();
    expect(() => createAdminServer({ storage, codec: null as never })).toThrow(
      /options\.codec must be a Codec/,
    );
    server = createAdminServer({ storage });
    for (const options of [true, null, 5, 'x']) {
      await expect(server.listen(options as never)).rejects.toThrow(
        /^options must be an object/,
      );
    }
  });
});
