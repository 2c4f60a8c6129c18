/**
 * Fuzz targets that involve storage: opening each backend, the StateStore,
 * resumeOrStart, startRun, loading, and the storage contract's methods.
 */
import type fc from 'fast-check';
import {
  MemoryStorage,
  createStateStore,
  defaultCodec,
  loadNewestSavepoint,
  resumeOrStart,
  silentLogger,
  startRun,
  type StorageAdapter,
} from 'runstate';
import { FileStorage } from 'runstate/file';
import { SqliteStorage } from 'runstate/sqlite';

import {
  badBoolean,
  badChain,
  badFunction,
  badId,
  badJson,
  badLeaseOptions,
  badMetrics,
  badNonNegative,
  badObject,
  badPositive,
  badSavepoint,
  badTimestamp,
  defined,
} from './fuzz-arbitraries.js';

import { loose, options, type Fn, type FuzzTarget } from './fuzz-target.js';

export function storeTargets(storage: StorageAdapter): FuzzTarget[] {
  const valid = () => ({ runId: 'fuzz-store', schedule: 1000, storage });
  return [
    ...options(
      'createStateStore',
      valid,
      {
        runId: badId,
        schedule: badPositive,
        storage: badObject,
        keep: badPositive,
        maxOpenSavepoints: badPositive,
        persistIntervalMs: badNonNegative,
        clock: badObject,
        codec: badObject,
        logger: badObject,
        onError: badFunction,
        onPersisted: badFunction,
        version: badNonNegative,
        migrations: badChain,
        metadata: badJson,
        lease: badLeaseOptions,
        metrics: badMetrics,
      },
      (o) => loose(createStateStore)(o),
    ),
    {
      name: 'store.initRunState(timestamp)',
      arb: badTimestamp,
      storage,
      call: async (v) => {
        const store = createStateStore(valid());
        try {
          return await loose(store.initRunState.bind(store))(v, [['a', 1]]);
        } finally {
          await store.close();
        }
      },
    },
    {
      name: 'store.initRunState(entityDefs)',
      arb: badObject,
      storage,
      call: async (v) => {
        const store = createStateStore(valid());
        try {
          return await loose(store.initRunState.bind(store))(0, v);
        } finally {
          await store.close();
        }
      },
    },
    {
      name: 'store.loadRunState(update)',
      arb: badFunction.filter((v) => v !== null),
      storage,
      call: async (v) => {
        const store = createStateStore(valid());
        try {
          return await loose(store.loadRunState.bind(store))(v);
        } finally {
          await store.close();
        }
      },
    },
    ...options(
      'resumeOrStart',
      () => ({ startFrom: 0, entities: [['a', 1]] }),
      {
        startFrom: badTimestamp,
        entities: badObject,
        update: badFunction.filter((v) => v !== null),
      },
      async (o) => {
        const store = createStateStore({ ...valid(), runId: 'fuzz-resume' });
        try {
          return await loose(resumeOrStart)(store, o);
        } finally {
          await store.close();
        }
      },
    ),
    ...options(
      'startRun',
      () => ({
        runId: 'fuzz-run',
        storage,
        schedule: 1000,
        startFrom: 0,
        entities: { a: (s: unknown) => s },
        input: () => [],
      }),
      {
        runId: badId,
        storage: badObject,
        schedule: badPositive,
        startFrom: badTimestamp,
        entities: badObject,
        input: badFunction,
        output: badFunction.filter((v) => v !== null),
        update: badFunction.filter((v) => v !== null),
        keep: badPositive,
        persistIntervalMs: badNonNegative,
        lateness: defined.filter(
          (v) => !['reject', 'drop', 'process'].includes(v as string),
        ),
        maxRestarts: badNonNegative,
        withinMs: badNonNegative,
        restartDelayMs: badNonNegative,
        onRestart: badFunction.filter((v) => v !== null),
        onPersisted: badFunction.filter((v) => v !== null),
        codec: badObject,
        logger: badObject,
        now: badFunction.filter((v) => v !== null),
        clock: badObject,
        version: badNonNegative,
        migrations: badChain,
        metadata: badJson,
        at: badTimestamp,
        lease: badLeaseOptions,
        metrics: badMetrics,
      },
      async (o) => {
        const run = loose(startRun)(o) as { done: Promise<unknown> };
        return run.done;
      },
    ),
    {
      name: 'loadNewestSavepoint(runId)',
      arb: badId,
      storage,
      call: (v) =>
        loose(loadNewestSavepoint)(storage, defaultCodec, v, silentLogger),
    },
  ];
}

/** The storage contract's methods on one backend. */
export function storageTargets(
  label: string,
  storage: StorageAdapter,
): FuzzTarget[] {
  const s = storage as unknown as Record<string, Fn>;
  const m = (
    name: string,
    arb: fc.Arbitrary<unknown>,
    args: (v: unknown) => unknown[],
  ): FuzzTarget => ({
    name: `${label}.${name}`,
    arb,
    storage,
    call: (v) => s[name.slice(0, name.indexOf('('))]!.apply(storage, args(v)),
  });
  return [
    ...[
      'isInitialized',
      'initRun',
      'newestTimestamp',
      'listSavepoints',
      'deleteRun',
    ].map((n) => m(`${n}(runId)`, badId, (v) => [v])),
    m('readSavepoint(runId)', badId, (v) => [v]),
    m('readSavepoint(timestamp)', badTimestamp, (v) => ['fuzz', v]),
    m('writeSavepoint(runId)', badId, (v) => [
      v,
      { timestamp: 1, entries: [] },
      { keep: 2 },
    ]),
    m('writeSavepoint(savepoint)', badSavepoint, (v) => [
      'fuzz',
      v,
      { keep: 2 },
    ]),
    m('writeSavepoint(options)', badObject, (v) => [
      'fuzz',
      { timestamp: 1, entries: [] },
      v,
    ]),
    m('writeSavepoint({ keep })', badPositive, (v) => [
      'fuzz',
      { timestamp: 1, entries: [] },
      { keep: v },
    ]),
    m('prune(keep)', badPositive, (v) => ['fuzz', v]),
    m('prune(runId)', badId, (v) => [v, 2]),
    m('quarantineSavepoint(timestamp)', badTimestamp, (v) => ['fuzz', v]),
    m('quarantineSavepoint(runId)', badId, (v) => [v, 1]),
  ];
}

/** Open-option targets of the backends that need no server. */
export function openTargets(dir: string): FuzzTarget[] {
  return [
    ...options(
      'MemoryStorage.open',
      () => ({}),
      {
        readOnly: badBoolean,
      },
      (o) => loose(MemoryStorage.open.bind(MemoryStorage))(o),
    ),
    ...options(
      'SqliteStorage.open',
      () => ({ path: `${dir}/open.db` }),
      {
        path: badObject.filter((v) => typeof v !== 'string'),
        readOnly: badBoolean,
        synchronous: defined.filter((v) => v !== 'full' && v !== 'normal'),
        busyTimeoutMs: badNonNegative,
        logger: badObject,
        database: badObject,
      },
      async (o) =>
        (
          (await loose(SqliteStorage.open.bind(SqliteStorage))(
            o,
          )) as StorageAdapter
        ).close(),
    ),
    ...options(
      'FileStorage.open',
      () => ({ directory: `${dir}/open-files` }),
      {
        directory: badObject.filter((v) => typeof v !== 'string'),
        readOnly: badBoolean,
        compression: defined.filter(
          (v) => !['none', 'gzip', 'deflate', 'brotli'].includes(v as string),
        ),
        fsync: badBoolean,
        logger: badObject,
      },
      async (o) =>
        (
          (await loose(FileStorage.open.bind(FileStorage))(o)) as StorageAdapter
        ).close(),
    ),
  ];
}
