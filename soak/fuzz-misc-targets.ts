/**
 * Fuzz targets of the remaining public functions: BaseStorage's options,
 * decorateStorage, checkPinnedSavepoints (runstate/testing),
 * loadNewestSavepoint's current form, and the
 * open options of the server backends (when their URLs are set).
 */
import fc from 'fast-check';
import {
  BaseStorage,
  MemoryStorage,
  decorateStorage,
  defineMigrations,
  loadNewestSavepoint,
  type StorageAdapter,
} from 'runstate';
import { PostgresStorage } from 'runstate/postgres';
import { RedisStorage } from 'runstate/redis';
import { checkPinnedSavepoints } from 'runstate/testing';
import {
  badBoolean,
  badFunction,
  badId,
  badObject,
} from './fuzz-arbitraries.js';
import { loose, options, type FuzzTarget } from './fuzz-target.js';
import { RUN, badStorage, storage } from './fuzz-tool-targets.js';

/** A BaseStorage subclass whose constructor passes `options` on. */
const construct = (o: unknown) => {
  const Base = BaseStorage as unknown as new (o: unknown) => object;
  return new (class FuzzStorage extends Base {})(o);
};

const chain = defineMigrations({ 1: (states: unknown) => states as never });

function baseTargets(): FuzzTarget[] {
  return options(
    'BaseStorage',
    () => ({ name: 'Fuzz' }),
    { name: badId, readOnly: badBoolean, serialWrites: badBoolean },
    construct,
  );
}

function decorateTargets(): FuzzTarget[] {
  return [
    {
      name: 'decorateStorage(inner)',
      arb: badStorage,
      call: (v) => loose(decorateStorage)(v, {}),
    },
    {
      name: 'decorateStorage(hooks)',
      arb: badObject,
      call: (v) => loose(decorateStorage)(new MemoryStorage(), v),
    },
    {
      name: 'decorateStorage({ <method> })',
      arb: fc.tuple(
        fc.constantFrom('writeSavepoint', 'readSavepoint', 'around'),
        badFunction,
      ),
      call: (v) => {
        const [key, hook] = v as [string, unknown];
        return loose(decorateStorage)(new MemoryStorage(), { [key]: hook });
      },
    },
    {
      name: 'decorateStorage({ <not a method> })',
      arb: fc
        .string({ minLength: 1 })
        .filter((k) => !(k in new MemoryStorage()) && k !== 'around'),
      call: (v) =>
        loose(decorateStorage)(new MemoryStorage(), {
          [v as string]: () => 1,
        }),
    },
  ];
}

function pinnedTargets(): FuzzTarget[] {
  return [
    {
      name: 'checkPinnedSavepoints(source)',
      arb: fc.oneof(
        badObject.filter((v) => typeof v !== 'string'),
        fc.object({ maxDepth: 0 }),
        fc.constant(''),
      ),
      call: (v) => loose(checkPinnedSavepoints)(v, { migrations: chain }),
    },
    ...options(
      'checkPinnedSavepoints',
      () => ({ migrations: chain }),
      {
        migrations: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
        codec: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
        validate: badFunction.filter((v) => v !== null),
      },
      (o) => loose(checkPinnedSavepoints)(new MemoryStorage(), o),
    ),
  ];
}

function loadTargets(): FuzzTarget[] {
  const load = loose(loadNewestSavepoint);
  return [
    {
      name: 'loadNewestSavepoint(storage)',
      arb: badStorage,
      call: (v) => load(v, 'fuzz'),
    },
    {
      name: 'loadNewestSavepoint(runId, options)',
      arb: badId.filter((v) => typeof v !== 'object' || v === null),
      call: (v) => load(new MemoryStorage(), v, {}),
    },
    ...options(
      'loadNewestSavepoint',
      () => ({}),
      { codec: badObject, logger: badObject },
      async (o) => load(await storage(), RUN, o), // a run with savepoints
    ),
  ];
}

/** Postgres and Redis open options, validated before connecting. */
function serverOpenTargets(): FuzzTarget[] {
  const close = async (opened: unknown) =>
    ((await opened) as StorageAdapter).close();
  const pg = process.env.RUNSTATE_PG_URL;
  const redis = process.env.RUNSTATE_REDIS_URL;
  return [
    ...(pg === undefined
      ? []
      : options(
          'PostgresStorage.open',
          () => ({
            connectionString: pg,
            schema: `runstate_fuzz_open_${process.pid}`,
          }),
          {
            connectionString: badObject.filter((v) => typeof v !== 'string'),
            pool: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
            schema: fc.oneof(badId, fc.constantFrom('x\0y', 'a'.repeat(64))),
            readOnly: badBoolean,
            logger: badObject,
          },
          (o) => close(loose(PostgresStorage.open.bind(PostgresStorage))(o)),
        )),
    ...(redis === undefined
      ? []
      : options(
          'RedisStorage.open',
          () => ({ url: redis, prefix: `runstate-fuzz-open-${process.pid}:` }),
          {
            url: badObject.filter((v) => typeof v !== 'string'),
            client: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
            prefix: badObject.filter((v) => typeof v !== 'string'),
            readOnly: badBoolean,
            logger: badObject,
          },
          (o) => close(loose(RedisStorage.open.bind(RedisStorage))(o)),
        )),
  ];
}

/** The remaining public functions' targets. */
export const miscTargets = (): FuzzTarget[] => [
  ...baseTargets(),
  ...decorateTargets(),
  ...pinnedTargets(),
  ...loadTargets(),
  ...serverOpenTargets(),
];
