import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCodec } from 'runstate';
import { openStorageUrl } from 'runstate/cli';
import { cleanUp, fill, freshUrl, runBin } from './support.js';

afterAll(cleanUp);

describe('what docs/cli.md promises', () => {
  it('read commands leave a SQLite file untouched (opened read-only)', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const path = url.slice('sqlite:'.length);
    const before = readFileSync(path);
    const listing = () => readdirSync(dirname(path)).sort();
    const files = listing();
    for (const args of [
      ['runs', url],
      ['savepoints', url, 'orders'],
      ['show', url, 'orders', '--entity', 'totals'],
      ['diff', url, 'orders', '60000', '120000'],
      ['verify', url, '--all'],
      ['export', url, 'orders'],
    ]) {
      expect((await runBin(args)).status).toBe(0);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    // SQLite's WAL index (-shm) may appear on a read-only open; no data is written.
    const added = listing().filter((f) => !files.includes(f));
    expect(added.filter((f) => !/-(shm|wal)$/.test(f))).toEqual([]);
    const wal = `${path}-wal`;
    if (existsSync(wal)) expect(readFileSync(wal).byteLength).toBe(0);
  });

  it('accepts ISO dates wherever a timestamp is asked for', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const r = await runBin([
      'show',
      url,
      'orders',
      '--at',
      '1970-01-01T00:02:00Z',
      '--json',
    ]);
    expect(JSON.parse(r.stdout)).toMatchObject({ timestamp: 120_000 });
    const bad = await runBin(['show', url, 'orders', '--at', 'yesterday']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      '--at must be epoch milliseconds or an ISO date',
    );
  });

  it('export -o writes the file atomically: nothing is left when the export fails', async () => {
    const url = freshUrl('sqlite');
    {
      await using storage = await openStorageUrl(url);
      const bad = defaultCodec.encode('x');
      bad[bad.length - 1]! ^= 1;
      const entries = [
        ['a-fine', defaultCodec.encode(1)],
        ['b-broken', bad],
      ] as const;
      await storage.writeSavepoint('r', { timestamp: 5, entries }, { keep: 1 });
    }
    const dir = dirname(url.slice('sqlite:'.length));
    const out = join(dir, 'r.ndjson');
    const r = await runBin(['export', url, 'r', '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('entity "b-broken" of savepoint 5 of run "r"');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('quarantine --at moves that savepoint aside, and the run resumes from the one before', async () => {
    const url = freshUrl('sqlite');
    await fill(url);
    const r = await runBin(['quarantine', url, 'orders', '--at', '120000']);
    expect(r.stdout).toBe(
      'quarantined savepoint 120000 (1970-01-01T00:02:00.000Z) of run "orders"\n',
    );
    expect(
      (await runBin(['quarantine', url, 'orders', '--at', '120000'])).status,
    ).toBe(1);
    await using storage = await openStorageUrl(url, { readOnly: true });
    expect(await storage.listSavepoints('orders')).toEqual([60_000, 180_000]);
  });

  it('verify finds bytes damaged on disk: a SQLite blob and a savepoint file', async () => {
    const sqlite = freshUrl('sqlite');
    await fill(sqlite);
    const db = new Database(sqlite.slice('sqlite:'.length));
    const rows = db
      .prepare(
        "SELECT id, state FROM runstate_entity_states WHERE entity_id = 'totals'",
      )
      .all() as { id: number; state: Buffer }[];
    const first = rows[0]!;
    first.state[first.state.length - 1]! ^= 0xff;
    db.prepare('UPDATE runstate_entity_states SET state = ? WHERE id = ?').run(
      first.state,
      first.id,
    );
    db.close();
    const a = await runBin(['verify', sqlite, '--all']);
    expect(a.status).toBe(1);
    expect(a.stdout).toContain(
      'FAIL run "orders" savepoint 60000 (1970-01-01T00:01:00.000Z) entity "totals": E_CORRUPTED',
    );
    const file = freshUrl('file');
    await fill(file);
    const dir = file.slice('file:'.length).replace(/\?.*$/, '');
    const path = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('0000000000120000.savepoint'))
      .map((f) => join(dir, f))[0]!;
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1]! ^= 0xff;
    writeFileSync(path, bytes);
    const b = await runBin(['verify', file, 'orders']);
    expect(b.status).toBe(1);
    expect(b.stdout).toMatch(
      /FAIL run "orders" savepoint 120000 \(1970-01-01T00:02:00.000Z\): E_CORRUPTED/,
    );
    expect(b.stdout).toContain('1 failure; 1 run, 3 savepoints');
  });
});
