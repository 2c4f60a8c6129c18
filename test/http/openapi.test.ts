import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, createStateStore } from '../../src/index.js';
import { createAdminServer, type AdminServer } from '../../src/http/index.js';
import { MINUTE, T0, ordersStorage } from './fixture.js';

interface Operation {
  parameters?: { name: string; in: string }[];
  responses: Record<
    string,
    { content?: Record<string, { schema: Record<string, unknown> }> }
  >;
}
type Doc = {
  openapi: string;
  paths: Record<string, { get?: Operation }>;
};

let server: AdminServer | undefined;
afterEach(() => server?.close());

/** A concrete URL for an OpenAPI path template. */
function urlOf(path: string): string {
  if (path.endsWith('/diff')) {
    return `/api/runs/orders/diff?from=${T0 + MINUTE}&to=${T0 + 3 * MINUTE}&entity=totals`;
  }
  return path
    .replace('{runId}', 'orders')
    .replace('{timestamp}', String(T0 + 2 * MINUTE))
    .replace('{entityId}', 'totals');
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of every API route and its parameters', async () => {
    server = createAdminServer({ storage: await MemoryStorage.open() });
    const res = await server.fastify.inject({ url: '/openapi.json' });
    const doc = res.json<Doc>();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc).toEqual(await server.openapi());
    const paths = Object.keys(doc.paths).sort();
    expect(paths).toEqual(
      [
        '/api/live',
        '/api/runs',
        '/api/runs/{runId}/savepoints',
        '/api/runs/{runId}/savepoints/{timestamp}',
        '/api/runs/{runId}/savepoints/{timestamp}/entities/{entityId}',
        '/api/runs/{runId}/diff',
      ].sort(),
    );
    const params =
      doc.paths['/api/runs/{runId}/savepoints/{timestamp}']?.get?.parameters;
    expect(params?.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:runId',
      'path:timestamp',
      'query:limit',
      'query:offset',
    ]);
  });

  it('describes what each route really answers (responses validate against it)', async () => {
    const storage = await ordersStorage();
    const store = createStateStore({
      runId: 'live',
      schedule: MINUTE,
      storage: await MemoryStorage.open(),
    });
    await store.initRunState(0, [['a', 0]]);
    server = createAdminServer({ storage, runs: [store] });
    const doc = await server.openapi();
    const ajv = new Ajv2020({ strict: false });
    for (const [path, item] of Object.entries((doc as Doc).paths)) {
      const res = await server.fastify.inject({ url: urlOf(path) });
      expect(res.statusCode, path).toBe(200);
      const schema =
        item.get?.responses['200']?.content?.['application/json']?.schema;
      expect(schema, path).toBeDefined();
      const validate = ajv.compile(schema!);
      expect(
        validate(res.json()),
        `${path}: ${ajv.errorsText(validate.errors)}`,
      ).toBe(true);
    }
    await store.close();
  });
});
