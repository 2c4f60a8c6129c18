import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  defineMigrations,
  exportSavepoint,
  mapStates,
} from '../../src/index.js';
import { FileStorage } from '../../src/storage/file/index.js';
import {
  checkPinnedSavepoints,
  expectPinnedSavepoints,
} from '../../src/testing/index.js';
import { goldenDir } from '../storage/golden/golden-open.js';

/** The golden file-storage fixture serves as a directory of pinned savepoints. */
const PINNED = join(goldenDir('v1'), 'file');

const identity = defineMigrations({ 1: (states) => states });

describe('expectPinnedSavepoints()', () => {
  it('passes when every pinned savepoint loads through the chain', async () => {
    const report = await expectPinnedSavepoints(PINNED, {
      migrations: identity,
    });
    expect(report.failed).toBe(0);
    expect(report.results).toHaveLength(4);
    expect(report.text).toMatch(
      /✓ run "orders" @ 1767225780000: v0 → v1, 7 entities/,
    );
  });

  it('fails with a report naming the savepoint, the step and the entity', async () => {
    const failing = defineMigrations({
      1: mapStates((state: unknown, id) => {
        if (id === 'big') throw new Error('bigint unsupported');
        return state;
      }),
    });
    const error = (await expectPinnedSavepoints(PINNED, {
      migrations: failing,
    }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/3 of 4 pinned savepoints do not load/);
    expect(error.message).toMatch(
      /✗ run "orders" @ 1767225660000: v0 → v1: E_MIGRATION_FAILED .*step 0→1.*entity "big".*bigint unsupported/,
    );
    expect(error.message).toMatch(/✓ run "ünïcode run\/ℕ"/);
  });

  it('fails on validate() and on a savepoint newer than the chain', async () => {
    const storage = await MemoryStorage.open();
    await storage.writeSavepoint(
      'r',
      { timestamp: 60, entries: [], meta: { version: 4 } },
      { keep: 1 },
    );
    const report = await checkPinnedSavepoints(storage, {
      migrations: identity,
    });
    expect(report.text).toMatch(/✗ run "r" @ 60: v4 → v1: E_VERSION_NEWER/);
    const validated = await checkPinnedSavepoints(PINNED, {
      migrations: identity,
      validate: (state, id) => {
        if (id === 'counter' && state !== 41) throw new Error('not 41');
      },
    });
    expect(validated.failed).toBe(0);
    const strict = await checkPinnedSavepoints(PINNED, {
      migrations: identity,
      validate: (_, id) => {
        if (id === 'counter') throw new Error('counter is gone in v1');
      },
    });
    expect(strict.text).toMatch(
      /entity "counter" fails validate\(\): counter is gone/,
    );
  });

  it('refuses an empty directory instead of passing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-pinned-'));
    await expect(
      expectPinnedSavepoints(dir, { migrations: identity }),
    ).rejects.toThrow(/no pinned savepoints/);
    await rm(dir, { recursive: true });
  });
});

describe('expectPinnedSavepoints() on export files', () => {
  /** Export every live savepoint of the golden store's runs into `dir`. */
  async function exportPinned(dir: string): Promise<void> {
    await using storage = await FileStorage.open({
      directory: PINNED,
      readOnly: true,
    });
    for (const runId of await storage.listRuns()) {
      for (const at of await storage.listSavepoints(runId)) {
        let text = '';
        for await (const l of exportSavepoint(storage, runId, { at }))
          text += l;
        await writeFile(
          join(dir, `${encodeURIComponent(runId)}-${at}.ndjson`),
          text,
        );
      }
    }
  }

  it('loads a directory of *.ndjson export files, one savepoint each, naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-pinned-'));
    await exportPinned(dir);
    const report = await expectPinnedSavepoints(dir, { migrations: identity });
    expect(report.results).toHaveLength(4);
    expect(report.text).toMatch(
      /✓ orders-1767225780000\.ndjson: run "orders" @ 1767225780000: v0 → v1, 7 entities/,
    );
    const single = await checkPinnedSavepoints(
      join(dir, 'orders-1767225780000.ndjson'),
      { migrations: identity },
    );
    expect(single.results).toHaveLength(1);
    await rm(dir, { recursive: true });
  });

  it('takes the files `runstate export -o` writes, and fails on a malformed one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runstate-pinned-'));
    const bin = new URL('../../bin/runstate.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [
      bin,
      'export',
      `file:${PINNED}`,
      'orders',
      '-o',
      join(dir, 'orders.ndjson'),
    ]);
    expect(r.status).toBe(0);
    expect(
      (await expectPinnedSavepoints(dir, { migrations: identity })).failed,
    ).toBe(0);
    await writeFile(join(dir, 'broken.ndjson'), '{"not":"an export"}\n');
    const error = (await expectPinnedSavepoints(dir, {
      migrations: identity,
    }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/1 of 2 pinned savepoints do not load/);
    expect(error.message).toMatch(/✗ broken\.ndjson: .*E_INVALID_IMPORT/);
    await rm(dir, { recursive: true });
  });
});

// Found by the fuzz soak (soak/fuzz-misc-targets.ts): a symbol source
// crashed ("storage.listRuns is not a function"), a missing path rejected
// with Node's bare ENOENT error, and bad options were accepted.
describe('checkPinnedSavepoints argument checks', () => {
  const migrations = defineMigrations({ 1: mapStates((s: unknown) => s) });

  it('names a bad source or option', async () => {
    const storage = new MemoryStorage();
    for (const source of [Symbol('s'), 5, {}, null]) {
      await expect(
        checkPinnedSavepoints(source as never, { migrations }),
      ).rejects.toThrow(/^source must be/);
    }
    await expect(checkPinnedSavepoints('', { migrations })).rejects.toThrow(
      RangeError,
    );
    for (const options of [undefined, null, 'x']) {
      await expect(
        checkPinnedSavepoints(storage, options as never),
      ).rejects.toThrow(/^options must be an object/);
    }
    await expect(
      checkPinnedSavepoints(storage, { migrations: {} as never }),
    ).rejects.toThrow(/^options.migrations must be a chain/);
    await expect(
      checkPinnedSavepoints(storage, { migrations, codec: {} as never }),
    ).rejects.toThrow(/^options.codec/);
    await expect(
      checkPinnedSavepoints(storage, { migrations, validate: 'x' as never }),
    ).rejects.toThrow(/^options.validate must be a function/);
  });

  it('rejects a path that does not exist with E_STORAGE, the OS error as cause', async () => {
    const error = await checkPinnedSavepoints('/nonexistent/pinned', {
      migrations,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_STORAGE' });
    expect((error as Error).cause).toMatchObject({ code: 'ENOENT' });
  });
});
