/**
 * Options given as `null` are refused (only `undefined` means "the
 * default"), loggers are checked wherever one is taken, and the few checks
 * the fuzz part of the soak found missing (docs/reliability.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createRunState,
  createStateStore,
  resumeOrStart,
  saveToRunState,
} from '../src/index.js';
import { FileStorage } from '../src/storage/file/index.js';
import { SqliteStorage } from '../src/storage/sqlite/index.js';

const dir = mkdtempSync(join(tmpdir(), 'runstate-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const storage = await MemoryStorage.open();
const base = { runId: 'r', schedule: 1_000, storage };
const loose = (f: unknown) => f as (...args: unknown[]) => unknown;

describe('createStateStore(options) with null options', () => {
  it.each([
    ['keep', /keep.*null/],
    ['maxOpenSavepoints', /maxOpenSavepoints.*null/],
    ['codec', /codec/],
    ['logger', /logger.*null/],
    ['onError', /onError.*null/],
    ['onPersisted', /onPersisted.*null/],
  ])('refuses %s: null with a TypeError naming it', (key, message) => {
    const call = () => loose(createStateStore)({ ...base, [key]: null });
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  it('refuses a logger without the four methods', () => {
    expect(() =>
      loose(createStateStore)({ ...base, logger: { info() {} } }),
    ).toThrow(/logger.*missing debug, warn, error/);
  });
});

describe('createRunState() and saveToRunState()', () => {
  it('refuses maxOpenSavepoints: null', () => {
    expect(() =>
      loose(createRunState)(1_000, 0, ['a'], { maxOpenSavepoints: null }),
    ).toThrow(/maxOpenSavepoints.*null/);
  });

  it.each([null, -Infinity, 1.5, '5', {}])(
    'saveToRunState refuses the timestamp %s, naming it',
    (timestamp) => {
      const runState = createRunState(1_000, 0, ['a']);
      expect(() => loose(saveToRunState)(runState, 'a', timestamp, 1)).toThrow(
        /timestamp/,
      );
    },
  );
});

describe('resumeOrStart(store, options)', () => {
  it('refuses a non-function update before touching storage', async () => {
    const store = createStateStore({ ...base, runId: 'fresh' });
    await expect(
      loose(resumeOrStart)(store, {
        startFrom: 0,
        entities: [['a', 0]],
        update: ',t',
      }),
    ).rejects.toThrow(/options\.update.*",t"/);
    await store.close();
  });
});

describe('storage options', () => {
  it('MemoryStorage refuses a non-boolean readOnly', async () => {
    await expect(
      loose(MemoryStorage.open.bind(MemoryStorage))({ readOnly: 'yes' }),
    ).rejects.toThrow(/options\.readOnly.*"yes"/);
  });

  it.each([
    [
      'SqliteStorage',
      () =>
        SqliteStorage.open({
          path: join(dir, 'a.db'),
          logger: 'x' as never,
        }),
    ],
    [
      'FileStorage',
      () =>
        FileStorage.open({
          directory: join(dir, 'files'),
          logger: { debug() {} } as never,
        }),
    ],
  ])('%s refuses a logger that is not a logger', async (_, open) => {
    await expect(open()).rejects.toThrow(/options\.logger/);
  });
});
