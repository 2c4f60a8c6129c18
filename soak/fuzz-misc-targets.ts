/**
 * Fuzz targets of the remaining public functions: BaseStorage's options,
 * decorateStorage, checkPinnedSavepoints (runstate/testing), the entity
 * methods and store.save, loadNewestSavepoint's current form, and the
 * open options of the server backends (when their URLs are set).
 */
import fc from 'fast-check';
import {
  BaseStorage,
  Entity,
  MemoryStorage,
  createStateStore,
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
  badPositive,
  badTimestamp,
} from './fuzz-arbitraries.js';
import { loose, options, type Fn, type FuzzTarget } from './fuzz-target.js';
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

/** An entity of schedule 1000 created at 0, on a store that drops saves. */
const entity = () =>
  Entity.create({ save: () => undefined }, 'a', 1000, 0, { n: 1 });

/** Not a timestamp at which a save is due (at or after 1000). */
const badDueTimestamp = fc.oneof(
  fc.constantFrom(1000.5, 2 ** 53, Infinity, Number.NaN),
  badTimestamp.filter((v) => typeof v !== 'number'),
);

function entityTargets(): FuzzTarget[] {
  const create = (...a: unknown[]) => loose(Entity.create.bind(Entity))(...a);
  const store = { save: () => undefined };
  const e = (name: string) => {
    const x = entity() as unknown as Record<string, unknown>;
    return loose((x[name] as Fn).bind(x));
  };
  return [
    {
      name: 'Entity.create(id)',
      arb: badId,
      call: (v) => create(store, v, 1000, 0, 1),
    },
    {
      name: 'Entity.create(schedule)',
      arb: badPositive,
      call: (v) => create(store, 'a', v, 0, 1),
    },
    {
      name: 'Entity.create(timestamp)',
      arb: badTimestamp,
      call: (v) => create(store, 'a', 1000, v, 1),
    },
    {
      name: 'entity.updateState(timestamp)',
      arb: badTimestamp,
      call: (v) => e('updateState')(v, 2),
    },
    {
      name: 'entity.ackProcessedTime(timestamp)',
      arb: badDueTimestamp,
      call: (v) => e('ackProcessedTime')(v),
    },
    {
      name: 'entity.ackProcessedTime(transform)',
      arb: badFunction.filter((v) => v !== null),
      call: (v) => e('ackProcessedTime')(1000, v),
    },
    ...(['entity', 'timestamp'] as const).map((param) => ({
      name: `store.save(${param})`,
      arb:
        param === 'entity'
          ? fc.oneof(
              badObject,
              // '' is a string id: a save from an id the run does not register, ignored (documented)
              fc.record({ id: badId.filter((id) => id !== '') }),
            )
          : badTimestamp,
      call: async (v: unknown) => {
        const s = createStateStore({
          runId: 'fuzz-save',
          schedule: 1000,
          storage: new MemoryStorage(),
          onError: () => undefined, // E_NOT_INITIALIZED: no init here,
        });
        try {
          const save = loose(s.save.bind(s));
          return param === 'entity' ? save(v, 1000) : save(entity(), v);
        } finally {
          await s.close();
        }
      },
    })),
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
  ...entityTargets(),
  ...loadTargets(),
  ...serverOpenTargets(),
];
