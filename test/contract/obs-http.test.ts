/**
 * Contract probes of docs/observability.md "The admin API" and api.md
 * "runstate/http": routes and their shapes, failures and their codes,
 * paging, bounded answers, token, lifecycle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  defaultCodec,
  type StorageAdapter,
} from 'runstate';
import { createAdminServer, type AdminServer } from 'runstate/http';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
let server: AdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function filled(): Promise<StorageAdapter> {
  const storage = await MemoryStorage.open();
  for (let k = 1; k <= 3; k++) {
    await storage.writeSavepoint(
      'orders',
      {
        timestamp: T0 + k * MINUTE,
        entries: [
          ['a', defaultCodec.encode({ k })],
          ['b', defaultCodec.encode('same')],
          ...(k === 3 ? [['c', defaultCodec.encode(0)] as const] : []),
        ],
      },
      { keep: 10 },
    );
  }
  await storage.initRun('empty');
  return storage;
}

async function get(
  url: string,
  options: Parameters<typeof createAdminServer>[0] | undefined = undefined,
  headers: Record<string, string> = {},
) {
  server ??= createAdminServer(options ?? { storage: await filled() });
  const res = await server.fastify.inject({ url, headers });
  return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
}

describe('admin API: routes', () => {
  it('GET /api/runs: { runs: [{ runId, savepoints, newest, newestDate }], total, offset }, sorted by id', async () => {
    const { status, body } = await get('/api/runs');
    expect(status).toBe(200);
    expect(body).toEqual({
      runs: [
        { runId: 'empty', savepoints: 0, newest: null, newestDate: null },
        {
          runId: 'orders',
          savepoints: 3,
          newest: T0 + 3 * MINUTE,
          newestDate: new Date(T0 + 3 * MINUTE).toISOString(),
        },
      ],
      total: 2,
      offset: 0,
    });
  });

  it('GET /api/runs/{runId}/savepoints: live savepoints oldest first, paged', async () => {
    const { body } = await get('/api/runs/orders/savepoints?offset=1&limit=1');
    expect(body).toEqual({
      runId: 'orders',
      savepoints: [
        {
          timestamp: T0 + 2 * MINUTE,
          date: new Date(T0 + 2 * MINUTE).toISOString(),
        },
      ],
      total: 3,
      offset: 1,
    });
  });

  it('GET /api/runs/{runId}/savepoints/{timestamp}: entities with their encoded sizes', async () => {
    const ts = T0 + 3 * MINUTE;
    const { body } = await get(`/api/runs/orders/savepoints/${ts}`);
    const sizes = [{ k: 3 }, 'same', 0].map(
      (v) => defaultCodec.encode(v).byteLength,
    );
    expect(body).toMatchObject({
      runId: 'orders',
      timestamp: ts,
      date: new Date(ts).toISOString(),
      entityCount: 3,
      bytes: sizes[0]! + sizes[1]! + sizes[2]!,
      total: 3,
      offset: 0,
    });
    expect(body.entities).toEqual([
      { id: 'a', bytes: sizes[0] },
      { id: 'b', bytes: sizes[1] },
      { id: 'c', bytes: sizes[2] },
    ]);
  });

  it('GET …/entities/{entityId}: the state as tagged JSON', async () => {
    const storage = await MemoryStorage.open();
    await storage.writeSavepoint(
      'r',
      {
        timestamp: 5,
        entries: [['m', defaultCodec.encode(new Map([['k', 1n]]))]],
      },
      { keep: 1 },
    );
    const { status, body } = await get('/api/runs/r/savepoints/5/entities/m', {
      storage,
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ $: 'Map' });
  });

  it('GET /api/runs/{runId}/diff: added, removed, changed, unchanged, counts, truncated; with entity its changes', async () => {
    const from = T0 + MINUTE;
    const to = T0 + 3 * MINUTE;
    const { body } = await get(
      `/api/runs/orders/diff?from=${from}&to=${to}&entity=a`,
    );
    expect(body).toEqual({
      runId: 'orders',
      from,
      to,
      added: ['c'],
      removed: [],
      changed: ['a'],
      unchanged: 1,
      counts: { added: 1, removed: 0, changed: 1 },
      truncated: false,
      entity: {
        id: 'a',
        changes: [{ path: 'k', kind: 'changed', before: 1, after: 3 }],
      },
    });
  });

  it('GET /api/live: the runs and stores passed as runs (a list or a function)', async () => {
    const store = createStateStore({
      runId: 'live',
      schedule: MINUTE,
      storage: await MemoryStorage.open(),
    });
    await store.initRunState(0, [
      ['x', 1],
      ['y', 2],
    ]);
    const storage = await filled();
    for (const runs of [[store], () => [store]]) {
      await server?.close();
      server = undefined;
      const { body } = await get('/api/live', { storage, runs });
      expect(body).toMatchObject({
        runs: [
          {
            runId: 'live',
            phase: expect.any(String) as string,
            newestPersisted: null,
            open: [{ timestamp: MINUTE, filled: 0, missing: ['x', 'y'] }],
            counters: expect.any(Object) as object,
          },
        ],
      });
    }
    await store.close();
  });

  it('GET /openapi.json: an OpenAPI 3.1 document of every route, the same as openapi()', async () => {
    const { body } = await get('/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths as object)).toEqual(
      expect.arrayContaining([
        '/api/runs',
        '/api/runs/{runId}/savepoints',
        '/api/runs/{runId}/savepoints/{timestamp}',
        '/api/runs/{runId}/savepoints/{timestamp}/entities/{entityId}',
        '/api/runs/{runId}/diff',
        '/api/live',
      ]),
    );
    expect(await server!.openapi()).toEqual(body);
  });

  it('GET /: the page, under a Content-Security-Policy of self', async () => {
    server = createAdminServer({ storage: await filled(), token: 't' });
    const res = await server.fastify.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain("'self'");
  });
});

describe('admin API: failures', () => {
  const notFound = async (url: string) => {
    const { status, body } = await get(url);
    expect(status, url).toBe(404);
    expect(body, url).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
  };

  it('404 E_NOT_FOUND for a run, savepoint, entity or route that is not there', async () => {
    await notFound('/api/runs/nope/savepoints');
    await notFound('/api/runs/orders/savepoints/1');
    await notFound(`/api/runs/orders/savepoints/${T0 + MINUTE}/entities/zz`);
    await notFound('/api/nothing');
  });

  it('404 E_NOT_FOUND for a diff of an entity in neither savepoint; an unchanged one has no changes', async () => {
    const from = T0 + MINUTE;
    const to = T0 + 2 * MINUTE;
    await notFound(`/api/runs/orders/diff?from=${from}&to=${to}&entity=zz`);
    const { status, body } = await get(
      `/api/runs/orders/diff?from=${from}&to=${to}&entity=b`,
    );
    expect(status).toBe(200);
    expect(body.entity).toEqual({ id: 'b', changes: [] });
  });

  it('404 E_NOT_FOUND for a diff of a savepoint that is not there', async () => {
    await notFound(`/api/runs/orders/diff?from=1&to=${T0 + MINUTE}`);
    await notFound(`/api/runs/nope/diff?from=1&to=2`);
  });

  it('400 E_BAD_REQUEST: a timestamp not a safe integer, a negative offset, an id over 1 024 characters, a malformed URL', async () => {
    for (const url of [
      '/api/runs/orders/savepoints/1.5',
      '/api/runs/orders/savepoints/99999999999999999999',
      '/api/runs?offset=-1',
      `/api/runs/${'x'.repeat(1025)}/savepoints`,
      '/api/runs/%E0%A4%A/savepoints',
      '/api/runs/%ED%A0%80/savepoints',
    ]) {
      const { status, body } = await get(url);
      expect(status, url.slice(0, 60)).toBe(400);
      expect(body).toMatchObject({ error: { code: 'E_BAD_REQUEST' } });
    }
  });

  it('414 E_BAD_REQUEST for a path parameter past 12 352 characters, not echoed', async () => {
    const id = 'z'.repeat(12_353);
    const res = await get(`/api/runs/${id}/savepoints`);
    expect(res.status).toBe(414);
    expect(res.body).toMatchObject({ error: { code: 'E_BAD_REQUEST' } });
    expect(JSON.stringify(res.body)).not.toContain('z'.repeat(300));
  });

  it('a 404 message quotes at most 200 characters of a URL', async () => {
    const { body } = await get(`/api/${'q'.repeat(5_000)}`);
    expect(JSON.stringify(body)).not.toContain('q'.repeat(201));
  });

  it('a request body over 1 KiB is refused, also on GET', async () => {
    server = createAdminServer({ storage: await filled() });
    const res = await server.fastify.inject({
      url: '/api/runs',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'y'.repeat(2_000) }),
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });

  it('only GET routes: a POST is 404', async () => {
    server = createAdminServer({ storage: await filled() });
    const res = await server.fastify.inject({
      method: 'POST',
      url: '/api/runs',
    });
    expect(res.statusCode).toBe(404);
  });
});

describe('admin API: paging and bounds', () => {
  it('lists hold at most pageLimit items (1 000 by default); limit asks for fewer, offset reaches the rest', async () => {
    const storage = await MemoryStorage.open();
    for (let i = 0; i < 1_003; i++) {
      await storage.initRun(`r${String(i).padStart(4, '0')}`);
    }
    const first = await get('/api/runs?limit=5000', { storage });
    expect((first.body.runs as unknown[]).length).toBe(1_000);
    expect(first.body.total).toBe(1_003);
    const rest = await get('/api/runs?offset=1000');
    expect((rest.body.runs as { runId: string }[]).map((r) => r.runId)).toEqual(
      ['r1000', 'r1001', 'r1002'],
    );
    const few = await get('/api/runs?limit=2');
    expect((few.body.runs as unknown[]).length).toBe(2);
  });

  it("a diff's id lists are cut to pageLimit with full counts and truncated: true", async () => {
    const storage = await MemoryStorage.open();
    const entries = (n: number, v: number) =>
      Array.from({ length: n }, (_, i): [string, Uint8Array] => [
        `e${i}`,
        defaultCodec.encode(v),
      ]);
    await storage.writeSavepoint(
      'r',
      { timestamp: 1, entries: entries(3, 1) },
      { keep: 5 },
    );
    await storage.writeSavepoint(
      'r',
      { timestamp: 2, entries: entries(5, 2) },
      { keep: 5 },
    );
    const { body } = await get('/api/runs/r/diff?from=1&to=2', {
      storage,
      pageLimit: 2,
    });
    expect(body).toMatchObject({
      added: ['e3', 'e4'],
      changed: ['e0', 'e1'],
      counts: { added: 2, removed: 0, changed: 3 },
      truncated: true,
    });
  });

  it('date is null for a timestamp that is not a valid date', async () => {
    const storage = await MemoryStorage.open();
    await storage.writeSavepoint(
      'r',
      { timestamp: 9e15, entries: [['a', defaultCodec.encode(1)]] },
      { keep: 1 },
    );
    const { body } = await get('/api/runs/r/savepoints', { storage });
    expect(body.savepoints).toEqual([{ timestamp: 9e15, date: null }]);
  });

  it('one entity is streamed as chunked JSON', async () => {
    const storage = await MemoryStorage.open();
    await storage.writeSavepoint(
      'r',
      {
        timestamp: 1,
        entries: [['big', defaultCodec.encode('x'.repeat(200_000))]],
      },
      { keep: 1 },
    );
    server = createAdminServer({ storage });
    const res = await server.fastify.inject({
      url: '/api/runs/r/savepoints/1/entities/big',
    });
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.json()).toBe('x'.repeat(200_000));
  });
});

describe('admin API: token and lifecycle', () => {
  it('with token, every API route and /openapi.json need Authorization: Bearer <token> (401 E_UNAUTHORIZED); the page does not', async () => {
    const options = { storage: await filled(), token: 's3cret' };
    for (const url of ['/api/runs', '/api/live', '/openapi.json']) {
      const refused = await get(url, options);
      expect(refused.status, url).toBe(401);
      expect(refused.body).toMatchObject({ error: { code: 'E_UNAUTHORIZED' } });
      const wrong = await get(url, options, { authorization: 'Bearer nope' });
      expect(wrong.status, url).toBe(401);
      const ok = await get(url, options, { authorization: 'Bearer s3cret' });
      expect(ok.status, url).toBe(200);
    }
    const page = await server!.fastify.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
  });

  it('bad options are TypeErrors/RangeErrors naming them', async () => {
    const storage = await filled();
    const cases: [object, ErrorConstructor, RegExp][] = [
      [{ storage: 5 }, TypeError, /options\.storage/],
      [{ storage, token: '' }, TypeError, /options\.token/],
      [{ storage, runs: 5 }, TypeError, /options\.runs/],
      [{ storage, codec: {} }, TypeError, /options\.codec/],
      [{ storage, pageLimit: 0 }, RangeError, /options\.pageLimit.*0/],
      [{ storage, pageLimit: 1.5 }, RangeError, /options\.pageLimit/],
    ];
    for (const [options, type, message] of cases) {
      const create = () => createAdminServer(options as never);
      expect(create).toThrow(type);
      expect(create).toThrow(message);
    }
  });

  it('listen binds 127.0.0.1 and resolves the base URL; twice is E_INVALID_STATE; after close E_CLOSED; close is idempotent and leaves the storage open', async () => {
    const storage = await filled();
    server = createAdminServer({ storage });
    const url = await server.listen({ port: 0 });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/api/runs`);
    expect(res.status).toBe(200);
    await expect(server.listen({ port: 0 })).rejects.toMatchObject({
      code: 'E_INVALID_STATE',
    });
    await server.close();
    await server.close();
    await expect(server.listen({ port: 0 })).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
    expect(await storage.listRuns()).toEqual(['empty', 'orders']);
  });

  it('no options at all is a TypeError naming options', () => {
    const create = createAdminServer as (o?: unknown) => AdminServer;
    expect(() => create()).toThrow(
      /^options must be an object, got undefined$/,
    );
  });

  it("a port in use rejects with Node's EADDRINUSE", async () => {
    const storage = await filled();
    server = createAdminServer({ storage });
    const url = await server.listen({ port: 0 });
    const port = Number(new URL(url).port);
    await using other = createAdminServer({ storage });
    await expect(other.listen({ port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('a bad host or port is a TypeError/RangeError', async () => {
    server = createAdminServer({ storage: await filled() });
    await expect(server.listen({ port: -1 })).rejects.toThrow(RangeError);
    await expect(server.listen({ port: 65_536 })).rejects.toThrow(RangeError);
    await expect(server.listen({ host: 5 as never })).rejects.toThrow(
      TypeError,
    );
  });

  it('await using closes it', async () => {
    let closed: AdminServer;
    {
      await using s = createAdminServer({ storage: await filled() });
      await s.listen({ port: 0 });
      closed = s;
    }
    await expect(closed.listen({ port: 0 })).rejects.toMatchObject({
      code: 'E_CLOSED',
    });
  });
});

describe('inspector page', () => {
  it('the page loads only its own script and stylesheet, served by the server, without the token', async () => {
    server = createAdminServer({ storage: await filled(), token: 't' });
    const page = await server.fastify.inject({ url: '/' });
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^\/[^/]/);
      const asset = await server.fastify.inject({ url: ref });
      expect(asset.statusCode, ref).toBe(200);
    }
    expect(page.body).not.toMatch(/https?:\/\//);
  });
});
