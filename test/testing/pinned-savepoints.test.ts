import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, defineMigrations, mapStates } from '../../src/index.js';
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
