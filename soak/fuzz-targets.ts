/**
 * Every public function and option of runstate, each with the invalid
 * inputs the fuzz part feeds it: `call(value)` puts one invalid value in one
 * place, everything else valid.
 */
import type fc from 'fast-check';
import {
  Entity,
  MemoryStorage,
  checkSchedule,
  createCodec,
  createEntityIndex,
  createRunState,
  createSavepoint,
  createStateStore,
  defaultCodec,
  encodeEntityState,
  loadNewestSavepoint,
  nextSavepoint,
  previousSavepoint,
  resumeOrStart,
  saveToRunState,
  silentLogger,
  startRun,
  unreachedSavepoints,
  unreachedSavepointsCount,
  type StorageAdapter,
} from 'runstate';
import { FileStorage } from 'runstate/file';
import { SqliteStorage } from 'runstate/sqlite';
import {
  createTestClock,
  crashTest,
  faultyStorage,
  roundTrip,
} from 'runstate/testing';
import {
  badBlob,
  badBoolean,
  badFunction,
  badId,
  badNonNegative,
  badObject,
  badPositive,
  badSavepoint,
  badTimestamp,
  defined,
  unstorable,
} from './fuzz-arbitraries.js';

/** One place to put an invalid value. */
export interface FuzzTarget {
  readonly name: string;
  readonly arb: fc.Arbitrary<unknown>;
  readonly call: (value: unknown) => unknown;
  /** The storage the call used, checked usable after the target's runs. */
  readonly storage?: StorageAdapter;
}

type Fn = (...args: unknown[]) => unknown;
/** Not iterable (a string is: a string of one-letter ids is valid). */
const notIterable = badObject.filter((v) => typeof v !== 'string');
const loose = (f: unknown) => f as Fn;

/** Targets for each option of an options object. */
function options(
  name: string,
  valid: () => Record<string, unknown>,
  keys: Record<string, fc.Arbitrary<unknown>>,
  call: (o: unknown) => unknown,
): FuzzTarget[] {
  return [
    { name: `${name}(options)`, arb: badObject, call },
    ...Object.entries(keys).map(([key, arb]) => ({
      name: `${name}({ ${key} })`,
      arb,
      call: (v: unknown) => call({ ...valid(), [key]: v }),
    })),
  ];
}

const pureTargets = (): FuzzTarget[] => [
  { name: 'checkSchedule', arb: badPositive, call: (v) => checkSchedule(v) },
  ...(['previousSavepoint', 'nextSavepoint'] as const).flatMap((n) => {
    const f = loose(
      n === 'previousSavepoint' ? previousSavepoint : nextSavepoint,
    );
    return [
      {
        name: `${n}(schedule)`,
        arb: badPositive,
        call: (v: unknown) => f(v, 5),
      },
      {
        name: `${n}(timestamp)`,
        arb: badTimestamp,
        call: (v: unknown) => f(1000, v),
      },
    ];
  }),
  ...[unreachedSavepoints, unreachedSavepointsCount].flatMap((fn, i) => {
    const n = i === 0 ? 'unreachedSavepoints' : 'unreachedSavepointsCount';
    const f = loose(fn);
    return [
      {
        name: `${n}(schedule)`,
        arb: badPositive,
        call: (v: unknown) => f(v, 0, 10),
      },
      {
        name: `${n}(from)`,
        arb: badTimestamp,
        call: (v: unknown) => f(10, v, 10),
      },
      {
        name: `${n}(to)`,
        arb: badTimestamp,
        call: (v: unknown) => f(10, 0, v),
      },
    ];
  }),
  {
    name: 'createEntityIndex',
    arb: notIterable,
    call: (v) => loose(createEntityIndex)(v),
  },
  {
    name: 'createEntityIndex(ids[i])',
    arb: badId,
    call: (v) => loose(createEntityIndex)(['a', v]),
  },
  {
    name: 'createSavepoint(timestamp)',
    arb: badTimestamp,
    call: (v) => loose(createSavepoint)(v, ['a']),
  },
  {
    name: 'createSavepoint(index)',
    arb: notIterable,
    call: (v) => loose(createSavepoint)(5, v),
  },
  // An unknown id is no error for saveToSavepoint/saveToRunState: they
  // return 'unknown' (documented), so only the timestamp is fuzzed.
  {
    name: 'createRunState(schedule)',
    arb: badPositive,
    call: (v) => loose(createRunState)(v, 0, ['a']),
  },
  {
    name: 'createRunState(timestamp)',
    arb: badTimestamp,
    call: (v) => loose(createRunState)(1000, v, ['a']),
  },
  {
    name: 'createRunState(ids)',
    arb: notIterable,
    call: (v) => loose(createRunState)(1000, 0, v),
  },
  {
    name: 'createRunState({ maxOpenSavepoints })',
    arb: badPositive,
    call: (v) =>
      loose(createRunState)(1000, 0, ['a'], { maxOpenSavepoints: v }),
  },
  {
    name: 'saveToRunState(timestamp)',
    arb: badTimestamp,
    call: (v) =>
      loose(saveToRunState)(createRunState(1000, 0, ['a']), 'a', v, 1),
  },
  {
    name: 'Entity.create(store)',
    arb: badObject,
    call: (v) => loose(Entity.create.bind(Entity))(v, 'a', 1000, 0, 1),
  },
  {
    name: 'defaultCodec.decode(bytes)',
    arb: badBlob,
    call: (v) => defaultCodec.decode(v as Uint8Array),
  },
  {
    name: 'defaultCodec.encode(state)',
    arb: unstorable,
    call: (v) => defaultCodec.encode(v),
  },
  {
    name: 'createCodec().decode(bytes)',
    arb: badBlob,
    call: (v) => createCodec().decode(v as Uint8Array),
  },
  {
    name: 'encodeEntityState(entityId)',
    arb: badId,
    call: (v) => loose(encodeEntityState)(defaultCodec, v, 1),
  },
  {
    name: 'encodeEntityState(codec)',
    arb: badObject,
    call: (v) => loose(encodeEntityState)(v, 'a', 1),
  },
  {
    name: 'encodeEntityState(state)',
    arb: unstorable,
    call: (v) => encodeEntityState(defaultCodec, 'a', v),
  },
  { name: 'roundTrip(state)', arb: unstorable, call: (v) => roundTrip(v) },
  {
    name: 'roundTrip(options)',
    arb: badObject,
    call: (v) => loose(roundTrip)(1, v),
  },
  {
    name: 'roundTrip({ entityId })',
    arb: badId,
    call: (v) => loose(roundTrip)(1, { entityId: v }),
  },
  {
    name: 'createTestClock(start)',
    arb: badTimestamp,
    call: (v) => loose(createTestClock)(v),
  },
  {
    name: 'createTestClock().advance(ms)',
    arb: badTimestamp,
    call: (v) => {
      const clock = createTestClock();
      return loose(clock.advance.bind(clock))(v);
    },
  },
  ...options(
    'faultyStorage',
    () => ({}),
    {
      failNext: badObject,
      commitThenFail: badObject,
      failRate: badObject,
      corruptReads: badObject,
      delay: badObject,
      decide: badFunction,
    },
    (o) => loose(faultyStorage)(new MemoryStorage(), o),
  ),
  {
    name: 'faultyStorage({ failNext: { count } })',
    arb: badNonNegative,
    call: (v) =>
      loose(faultyStorage)(new MemoryStorage(), { failNext: { count: v } }),
  },
  {
    name: 'faultyStorage({ failRate: { rate } })',
    arb: defined.filter((r) => !(typeof r === 'number' && r >= 0 && r <= 1)),
    call: (v) =>
      loose(faultyStorage)(new MemoryStorage(), {
        failRate: { rate: v, seed: 1 },
      }),
  },
  {
    name: 'faultyStorage(inner)',
    arb: badObject,
    call: (v) => loose(faultyStorage)(v),
  },
  ...options(
    'crashTest',
    () => ({ script: 'no-such-script.ts' }),
    {
      script: badObject.filter((v) => typeof v !== 'string'),
      kills: badNonNegative,
      seed: badNonNegative,
      killWindowMs: badPositive,
      args: badObject,
      nodeArgs: badObject,
      env: badObject.filter((v) => typeof v !== 'string' && v !== null),
      timeoutMs: badPositive,
    },
    (o) => loose(crashTest)(o),
  ),
];

function storeTargets(storage: StorageAdapter): FuzzTarget[] {
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
function openTargets(dir: string): FuzzTarget[] {
  return [
    ...options(
      'MemoryStorage.open',
      () => ({}),
      {
        logger: badObject,
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

/** Every target, over the given storages. */
export function allTargets(
  dir: string,
  storages: readonly (readonly [string, StorageAdapter])[],
): FuzzTarget[] {
  return [
    ...pureTargets(),
    ...openTargets(dir),
    ...storeTargets(storages[0]![1]),
    ...storages.flatMap(([label, storage]) => storageTargets(label, storage)),
  ];
}
