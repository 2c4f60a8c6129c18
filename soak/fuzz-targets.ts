/**
 * Fuzz targets of the functions that need no storage: schedule arithmetic,
 * savepoint assembly, the codec, and runstate/testing's own functions.
 */
import fc from 'fast-check';
import {
  Entity,
  MemoryStorage,
  checkSchedule,
  createCodec,
  createEntityIndex,
  createRunState,
  createSavepoint,
  defaultCodec,
  encodeEntityState,
  nextSavepoint,
  previousSavepoint,
  saveToRunState,
  unreachedSavepoints,
  unreachedSavepointsCount,
} from 'runstate';

import {
  createTestClock,
  crashTest,
  faultyStorage,
  roundTrip,
} from 'runstate/testing';
import {
  badBlob,
  badFunction,
  badId,
  badNonNegative,
  badObject,
  badPositive,
  badTimestamp,
  defined,
  unstorable,
} from './fuzz-arbitraries.js';

import { loose, notIterable, options, type FuzzTarget } from './fuzz-target.js';

export const pureTargets = (): FuzzTarget[] => [
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
    name: 'roundTrip({ codec })',
    arb: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
    call: (v) => loose(roundTrip)(1, { codec: v }),
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
