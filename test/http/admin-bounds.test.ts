import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, defaultCodec } from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import { createAdminServer, type AdminServer } from '../../src/http/index.js';

let server: AdminServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  for (const dir of dirs.splice(0))
    rmSync(dir, { recursive: true, force: true });
});

async function get(path: string) {
  const res = await server!.fastify.inject({ method: 'GET', url: path });
  return {
    status: res.statusCode,
    body: res.json<Record<string, unknown>>(),
    length: res.body.length,
  };
}

/** A savepoint at `timestamp` of run `runId` holding entities `ids`. */
async function write(
  storage: MemoryStorage,
  runId: string,
  timestamp: number,
  ids: readonly string[],
) {
  const entries = ids.map(
    (id) => [id, defaultCodec.encode(timestamp)] as const,
  );
  await storage.writeSavepoint(runId, { timestamp, entries }, { keep: 100 });
}

describe('createAdminServer(): ids in paths are data', () => {
  it('keeps ids in paths as data: no escape, no huge ids', async () => {
    const storage = await MemoryStorage.open();
    await storage.initRun('../etc/passwd');
    server = createAdminServer({ storage });
    const tricky = encodeURIComponent('../etc/passwd');
    expect(await get(`/api/runs/${tricky}/savepoints`)).toMatchObject({
      status: 200,
      body: { runId: '../etc/passwd', savepoints: [], total: 0 },
    });
    const huge = 'x'.repeat(5000);
    const res = await get(`/api/runs/${huge}/savepoints`);
    expect(res.status).toBe(400);
    expect((await get('/api/runs/%E0%A4%A/savepoints')).status).toBe(400);
  });

  it('refuses a path parameter past the router’s limit with 414, without echoing it', async () => {
    server = createAdminServer({ storage: await MemoryStorage.open() });
    const res = await get(`/api/runs/${'x'.repeat(20_000)}/savepoints`);
    expect(res.status).toBe(414);
    expect(res.body).toEqual({
      error: { code: 'E_BAD_REQUEST', message: expect.any(String) as string },
    });
    expect(res.length).toBeLessThan(500);
  });

  it('answers an unknown path with the API’s 404 body, quoting at most 200 characters', async () => {
    server = createAdminServer({ storage: await MemoryStorage.open() });
    for (const url of [
      '/api/runs/../openapi.json',
      '/api/runs/%2e%2e/savepoints',
      `/api/${'y'.repeat(50_000)}`,
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(res.body, url).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
      expect(res.length, url).toBeLessThan(400);
    }
  });

  it('never reaches outside a file store’s directory', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'runstate-admin-'));
    dirs.push(parent);
    const directory = join(parent, 'store');
    await using writer = await FileStorage.open({ directory });
    await writer.initRun('inside');
    const storage = await FileStorage.open({ directory, readOnly: true });
    server = createAdminServer({ storage });
    for (const id of ['../../etc', '..', '../store', '/etc/passwd', '\0']) {
      const res = await get(`/api/runs/${encodeURIComponent(id)}/savepoints`);
      expect(res.status, id).toBe(404);
    }
    expect(readdirSync(parent)).toEqual(['store']);
    await storage.close();
  });
});

describe('createAdminServer(): bounded answers', () => {
  it('pages a run’s savepoints', async () => {
    const storage = await MemoryStorage.open();
    for (let t = 1; t <= 5; t++) await write(storage, 'r', t * 1000, ['a']);
    server = createAdminServer({ storage, pageLimit: 2 });
    const first = await get('/api/runs/r/savepoints?limit=10');
    expect(first.body).toMatchObject({ total: 5, offset: 0 });
    expect(first.body.savepoints).toEqual([
      { timestamp: 1000, date: new Date(1000).toISOString() },
      { timestamp: 2000, date: new Date(2000).toISOString() },
    ]);
    const last = await get('/api/runs/r/savepoints?offset=4&limit=1');
    expect(last.body.savepoints).toEqual([
      { timestamp: 5000, date: new Date(5000).toISOString() },
    ]);
  });

  it('pages a savepoint’s entities', async () => {
    const storage = await MemoryStorage.open();
    const ids = Array.from({ length: 7 }, (_, i) => `e${i}`);
    await write(storage, 'r', 1000, ids);
    server = createAdminServer({ storage, pageLimit: 3 });
    const res = await get('/api/runs/r/savepoints/1000?offset=6');
    expect(res.body).toMatchObject({ entityCount: 7, total: 7, offset: 6 });
    expect(res.body.entities).toEqual([
      { id: 'e6', bytes: expect.any(Number) as number },
    ]);
    expect(
      ((await get('/api/runs/r/savepoints/1000')).body.entities as []).length,
    ).toBe(3);
  });

  it('cuts a diff’s lists to the page limit and says so, with the full counts', async () => {
    const storage = await MemoryStorage.open();
    const before = Array.from({ length: 10 }, (_, i) => `old-${i}`);
    const after = Array.from({ length: 10 }, (_, i) => `new-${i}`);
    await write(storage, 'r', 1000, before);
    await write(storage, 'r', 2000, after);
    server = createAdminServer({ storage, pageLimit: 4 });
    const { body } = await get('/api/runs/r/diff?from=1000&to=2000');
    expect(body).toMatchObject({
      added: after.slice(0, 4),
      removed: before.slice(0, 4),
      changed: [],
      counts: { added: 10, removed: 10, changed: 0 },
      truncated: true,
    });
  });

  it('cuts one entity’s structural changes to the page limit', async () => {
    const storage = await MemoryStorage.open();
    const state = (k: number) =>
      Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, k]));
    for (const t of [1000, 2000]) {
      const entries = [['big', defaultCodec.encode(state(t))] as const];
      await storage.writeSavepoint('r', { timestamp: t, entries }, { keep: 5 });
    }
    server = createAdminServer({ storage, pageLimit: 5 });
    const { body } = await get('/api/runs/r/diff?from=1000&to=2000&entity=big');
    expect(body.truncated).toBe(true);
    expect((body.entity as { changes: [] }).changes).toHaveLength(5);
  });
});
