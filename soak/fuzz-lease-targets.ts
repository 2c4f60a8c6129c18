/**
 * Fuzz targets of the storage contract's optional methods on one backend:
 * leases (acquire, renew, release, list, fenced writes), quarantine
 * (list, restore), savepoint metadata, replaceSavepoint and
 * subscribeSavepoints, each only where the backend has it.
 */
import fc from 'fast-check';
import type { RunLease, StorageAdapter } from 'runstate';
import {
  badId,
  badNonNegative,
  badObject,
  badPositive,
  badSavepoint,
  badTimestamp,
} from './fuzz-arbitraries.js';
import type { Fn, FuzzTarget } from './fuzz-target.js';

/** Not a RunLease: not an object, or one field of the wrong kind. */
const badLease = fc.oneof(
  badObject,
  fc.record({ runId: badId, owner: fc.constant('o'), token: fc.constant(1) }),
  fc.record({ runId: fc.constant('r'), owner: badId, token: fc.constant(1) }),
  fc.record({
    runId: fc.constant('r'),
    owner: fc.constant('o'),
    token: badPositive,
  }),
);

/** Not a subscriber: not an object, or one without its methods. */
const badSubscriber = fc.oneof(
  badObject,
  fc.object({ maxDepth: 0 }),
  fc.constant({ notice: () => undefined }),
);

type Method = (
  name: string,
  arb: fc.Arbitrary<unknown>,
  args: (v: unknown) => unknown[],
) => FuzzTarget;

/** Call `method` with a lease of `runId` held for the call, then free it. */
async function withLease(
  storage: StorageAdapter,
  call: (lease: RunLease) => unknown,
): Promise<unknown> {
  const lease = await storage.acquireLease!('fuzz-lease', {
    owner: 'fuzz-owner',
    ttlMs: 60_000,
  });
  try {
    return await call(lease);
  } finally {
    await storage.releaseLease!(lease);
  }
}

function leaseTargets(storage: StorageAdapter, m: Method): FuzzTarget[] {
  if (storage.leases !== true) return [];
  const request = { owner: 'fuzz-owner', ttlMs: 1000 };
  const s = storage as unknown as Record<string, Fn>;
  const held = (name: string, arb: fc.Arbitrary<unknown>, f: string) => ({
    ...m(name, arb, () => []),
    call: (v: unknown) =>
      withLease(storage, (lease) => s[f]!.call(storage, lease, v)),
  });
  return [
    m('acquireLease(runId)', badId, (v) => [v, request]),
    m('acquireLease(request)', badObject, (v) => ['fuzz-lease', v]),
    m('acquireLease({ owner })', badId, (v) => [
      'fuzz-lease',
      { owner: v, ttlMs: 1000 },
    ]),
    m('acquireLease({ ttlMs })', badPositive, (v) => [
      'fuzz-lease',
      { owner: 'fuzz-owner', ttlMs: v },
    ]),
    m('renewLease(lease)', badLease, (v) => [v, 1000]),
    held('renewLease(ttlMs)', badPositive, 'renewLease'),
    m('releaseLease(lease)', badLease, (v) => [v]),
    m('writeSavepoint({ lease })', badLease, (v) => [
      'fuzz',
      { timestamp: 1, entries: [] },
      { keep: 2, lease: v },
    ]),
    ...(storage.listLeases === undefined
      ? []
      : [
          m(
            'listLeases(prefix)',
            badObject.filter((v) => typeof v !== 'string'),
            (v) => [v],
          ),
        ]),
  ];
}

function quarantineTargets(m: Method, storage: StorageAdapter) {
  const has = (name: keyof StorageAdapter) => storage[name] !== undefined;
  return [
    ...(has('listQuarantined')
      ? [m('listQuarantined(runId)', badId, (v) => [v])]
      : []),
    ...(has('restoreSavepoint')
      ? [
          m('restoreSavepoint(runId)', badId, (v) => [v, 1]),
          m('restoreSavepoint(timestamp)', badTimestamp, (v) => ['fuzz', v]),
        ]
      : []),
    ...(has('listSavepointInfo')
      ? [m('listSavepointInfo(runId)', badId, (v) => [v])]
      : []),
    ...(has('replaceSavepoint')
      ? [
          m('replaceSavepoint(runId)', badId, (v) => [
            v,
            { timestamp: 1, entries: [] },
            { expectVersion: 0 },
          ]),
          m('replaceSavepoint(savepoint)', badSavepoint, (v) => [
            'fuzz',
            v,
            { expectVersion: 0 },
          ]),
          m('replaceSavepoint(options)', badObject, (v) => [
            'fuzz',
            { timestamp: 1, entries: [] },
            v,
          ]),
          m('replaceSavepoint({ expectVersion })', badNonNegative, (v) => [
            'fuzz',
            { timestamp: 1, entries: [] },
            { expectVersion: v },
          ]),
        ]
      : []),
  ];
}

function subscribeTargets(storage: StorageAdapter, label: string) {
  if (storage.subscribeSavepoints === undefined) return [];
  return [
    {
      name: `${label}.subscribeSavepoints(subscriber)`,
      arb: badSubscriber,
      storage,
      call: async (v: unknown) => {
        const subscribe = storage.subscribeSavepoints!.bind(storage) as Fn;
        const subscription = (await subscribe(v)) as { close(): unknown };
        await subscription.close();
      },
    },
  ];
}

/** The optional methods' targets on one backend. */
export function optionalMethodTargets(
  label: string,
  storage: StorageAdapter,
): FuzzTarget[] {
  const s = storage as unknown as Record<string, Fn>;
  const m: Method = (name, arb, args) => ({
    name: `${label}.${name}`,
    arb,
    storage,
    call: (v) => s[name.slice(0, name.indexOf('('))]!.apply(storage, args(v)),
  });
  return [
    ...leaseTargets(storage, m),
    ...quarantineTargets(m, storage),
    ...subscribeTargets(storage, label),
  ];
}
