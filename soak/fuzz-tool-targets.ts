/**
 * Fuzz targets of the admin tools: migrations and inspect (export, import,
 * tagged JSON and runstate/cli are in `fuzz-export-targets.ts`, which
 * shares the helpers below). They run on a memory storage of their own
 * holding one run, `fuzz-tools`, with savepoints at 1 and 2.
 */
import fc from 'fast-check';
import {
  MemoryStorage,
  checkMigrations,
  copyRuns,
  defaultCodec,
  defineMigrations,
  diffSavepoints,
  diffValues,
  listQuarantinedSavepoints,
  mapStates,
  migrateRun,
  migrateRuns,
  restoreQuarantinedSavepoint,
  summarizeRuns,
  summarizeSavepoints,
  verifyStorage,
} from 'runstate';
import {
  badChain,
  badFunction,
  badId,
  badObject,
  badTimestamp,
  unstorable,
} from './fuzz-arbitraries.js';
import { loose, options, type FuzzTarget } from './fuzz-target.js';

/** The run the seeded memory storage holds. */
export const RUN = 'fuzz-tools';

/** Not a storage adapter, nor an object. */
export const badStorage = fc.oneof(badObject, fc.object({ maxDepth: 0 }));
/** Not a codec. */
export const badCodec = fc.oneof(badObject, fc.object({ maxDepth: 0 }));
/** Not a list of run ids. */
const badIds = fc.oneof(
  badObject.filter((v) => typeof v !== 'string'),
  fc.array(badId, { minLength: 1, maxLength: 3 }),
);
/** Not a step map defineMigrations accepts. */
const badSteps = fc.oneof(
  badObject,
  fc.constant({}),
  fc.constant({ 0: (s: unknown) => s }),
  fc.constant({ 1.5: (s: unknown) => s }),
  fc.constant({ '-1': (s: unknown) => s }),
  fc.constant({ 1: 'step' }),
  fc.constant({ 1: (s: unknown) => s, 3: (s: unknown) => s }),
  fc.constant({ x: (s: unknown) => s }),
);
const migrations = defineMigrations({ 1: mapStates((s: unknown) => s) });

let seeded: Promise<MemoryStorage> | undefined;
/** The memory storage of this file, holding `fuzz-tools` at 1 and 2. */
export function storage(): Promise<MemoryStorage> {
  seeded ??= (async () => {
    const s = new MemoryStorage();
    for (const timestamp of [1, 2]) {
      const bytes = defaultCodec.encode({ n: timestamp });
      await s.writeSavepoint(
        RUN,
        { timestamp, entries: [['a', bytes]] },
        { keep: 5 },
      );
    }
    return s;
  })();
  return seeded;
}

/** Targets of `f(storage, ...rest)`: one per argument, `valid` otherwise. */
export function args(
  name: string,
  f: unknown,
  params: readonly [string, fc.Arbitrary<unknown>][],
  valid: () => readonly unknown[],
): FuzzTarget[] {
  return params.map(([param, arb], i) => ({
    name: `${name}(${param})`,
    arb,
    call: async (v: unknown) => {
      const all = [await storage(), ...valid()];
      all[i] = v;
      return loose(f)(...all);
    },
  }));
}

/** `f(storage, …, options)` with each option of `keys` bad. */
export function optionTargets(
  name: string,
  f: unknown,
  before: () => readonly unknown[],
  keys: Record<string, fc.Arbitrary<unknown>>,
): FuzzTarget[] {
  return options(
    name,
    () => ({}),
    keys,
    async (o) => loose(f)(await storage(), ...before(), o),
  );
}

function migrateTargets(): FuzzTarget[] {
  const runsKeys = {
    codec: badCodec,
    logger: badObject,
    onProgress: badFunction.filter((v) => v !== null),
    signal: badStorage,
  };
  return [
    {
      name: 'defineMigrations(steps)',
      arb: badSteps,
      call: (v) => loose(defineMigrations)(v),
    },
    {
      name: 'mapStates(transform)',
      arb: badFunction,
      call: (v) => loose(mapStates)(v),
    },
    ...[checkMigrations, migrateRuns].flatMap((f, n) => {
      const name = n === 0 ? 'checkMigrations' : 'migrateRuns';
      return [
        ...args(
          name,
          f,
          [
            ['storage', badStorage],
            ['migrations', badChain],
          ],
          () => [migrations],
        ),
        ...optionTargets(name, f, () => [migrations], runsKeys),
      ];
    }),
    ...args(
      'migrateRun',
      migrateRun,
      [
        ['storage', badStorage],
        ['runId', badId],
        ['migrations', badChain],
      ],
      () => [RUN, migrations],
    ),
    ...optionTargets('migrateRun', migrateRun, () => [RUN, migrations], {
      codec: badCodec,
      logger: badObject,
    }),
  ];
}

function inspectTargets(): FuzzTarget[] {
  return [
    ...args(
      'summarizeRuns',
      summarizeRuns,
      [['storage', badStorage]],
      () => [],
    ),
    ...args(
      'summarizeSavepoints',
      summarizeSavepoints,
      [
        ['storage', badStorage],
        ['runId', badId],
      ],
      () => [RUN],
    ),
    ...args(
      'verifyStorage',
      verifyStorage,
      [['storage', badStorage]],
      () => [],
    ),
    ...optionTargets('verifyStorage', verifyStorage, () => [], {
      runIds: badIds,
      codec: badCodec,
    }),
    {
      name: 'diffValues(before)',
      arb: unstorable,
      call: (v) => diffValues(v, 1),
    },
    ...args(
      'diffSavepoints',
      diffSavepoints,
      [
        ['storage', badStorage],
        ['runId', badId],
        ['from', badTimestamp],
        ['to', badTimestamp],
      ],
      () => [RUN, 1, 2],
    ),
    ...optionTargets('diffSavepoints', diffSavepoints, () => [RUN, 1, 2], {
      entityId: badId,
      codec: badCodec,
    }),
    ...args(
      'copyRuns',
      copyRuns,
      [
        ['from', badStorage],
        ['to', badStorage],
      ],
      () => [new MemoryStorage()],
    ),
    ...optionTargets('copyRuns', copyRuns, () => [new MemoryStorage()], {
      runIds: badIds,
      onProgress: badFunction.filter((v) => v !== null),
      migrations: badChain,
      codec: badCodec,
    }),
    ...args(
      'listQuarantinedSavepoints',
      listQuarantinedSavepoints,
      [
        ['storage', badStorage],
        ['runId', badId],
      ],
      () => [RUN],
    ),
    ...args(
      'restoreQuarantinedSavepoint',
      restoreQuarantinedSavepoint,
      [
        ['storage', badStorage],
        ['runId', badId],
        ['timestamp', badTimestamp],
      ],
      () => [RUN, 1],
    ),
  ];
}

/** The admin tools' targets. */
export const toolTargets = (): FuzzTarget[] => [
  ...migrateTargets(),
  ...inspectTargets(),
];
