/**
 * Fuzz targets of what starts something that lives on: startWorker,
 * watchSavepoints, createAdminServer (runstate/http) and otelMetrics
 * (runstate/otel). Whatever a call starts (a worker, a watch, a server) is
 * stopped or closed before the call returns, so the fuzz leaks no timers
 * nor handles.
 */
import fc from 'fast-check';
import {
  startWorker,
  watchSavepoints,
  type StorageAdapter,
  type SavepointWatch,
  type Worker,
} from 'runstate';
import { createAdminServer, type AdminServer } from 'runstate/http';
import { otelMetrics } from 'runstate/otel';
import {
  badFunction,
  badId,
  badObject,
  badPositive,
  defined,
} from './fuzz-arbitraries.js';
import { loose, options, type FuzzTarget } from './fuzz-target.js';

/** Not a list of run ids (nor a function, nor a single id for watches). */
const badRunList = fc.oneof(
  badObject.filter((v) => typeof v !== 'string'),
  fc.array(badId, { minLength: 1, maxLength: 3 }),
);

/** Not a pino-compatible logger. */
const badLogger = fc.oneof(
  badObject,
  fc.object({ maxDepth: 0 }),
  fc.constant({ info: () => undefined }),
);

/** Not a lease option object, or one with a bad ttlMs/renewEveryMs. */
const badLease = fc.oneof(
  badObject,
  fc.record({ ttlMs: badPositive }),
  fc.record({ renewEveryMs: badPositive }),
  // renewEveryMs not below ttlMs
  fc.constant({ ttlMs: 1000, renewEveryMs: 1000 }),
  fc.constant({ ttlMs: 10, renewEveryMs: 5000 }),
);

/** Not a port: out of range, not an integer, not a number. */
const badPort = fc.oneof(
  fc.integer({ min: 65_536 }),
  fc.integer({ max: -1 }),
  fc.constantFrom(0.5, Number.NaN, Infinity, -Infinity),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
  fc.object({ maxDepth: 0 }),
);

async function stopWorker(call: () => unknown): Promise<void> {
  const worker = call() as Worker;
  await worker.stop();
}

async function closeWatch(call: () => unknown): Promise<void> {
  const watch = call() as SavepointWatch;
  await watch.close();
}

function workerTargets(storage: StorageAdapter): FuzzTarget[] {
  const valid = () => ({
    storage,
    runs: [],
    run: () => ({ schedule: 1000, startFrom: 0, entities: {}, input: [] }),
    group: 'fuzz',
    rebalanceEveryMs: 60_000,
  });
  return options(
    'startWorker',
    valid,
    {
      storage: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
      runs: badRunList,
      run: badFunction,
      group: badId,
      id: badId,
      lease: badLease,
      rebalanceEveryMs: badPositive,
      retryFailedAfterMs: badPositive,
      logger: badLogger,
      onClaimed: badFunction.filter((v) => v !== null),
      onReleased: badFunction.filter((v) => v !== null),
      onCompleted: badFunction.filter((v) => v !== null),
    },
    (o) => stopWorker(() => loose(startWorker)(o)),
  ).map((t) => ({ ...t, storage }));
}

function watchTargets(storage: StorageAdapter): FuzzTarget[] {
  return [
    {
      name: 'watchSavepoints(storage)',
      arb: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
      call: (v) =>
        closeWatch(() => loose(watchSavepoints)(v, { runs: 'fuzz' })),
    },
    ...options(
      'watchSavepoints',
      () => ({ runs: 'fuzz-watch', pollEveryMs: 60_000 }),
      {
        runs: fc.oneof(badRunList, fc.constant('')),
        pollEveryMs: badPositive,
        signal: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
        logger: badLogger,
      },
      (o) => closeWatch(() => loose(watchSavepoints)(storage, o)),
    ).map((t) => ({ ...t, storage })),
  ];
}

async function closeServer(
  o: unknown,
  listen?: unknown,
): Promise<string | undefined> {
  const server = loose(createAdminServer)(o) as AdminServer;
  try {
    if (listen !== undefined) {
      return (await loose(server.listen.bind(server))(listen)) as string;
    }
    return undefined;
  } finally {
    await server.close();
  }
}

function httpTargets(storage: StorageAdapter): FuzzTarget[] {
  return [
    ...options(
      'createAdminServer',
      () => ({ storage }),
      {
        storage: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
        runs: badObject.filter((v) => typeof v !== 'string'),
        token: badId,
        pageLimit: badPositive,
        codec: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
      },
      (o) => closeServer(o),
    ),
    {
      name: 'adminServer.listen(options)',
      arb: badObject.filter((v) => v !== null && typeof v !== 'string'),
      call: (v) => closeServer({ storage }, v),
    },
    {
      name: 'adminServer.listen({ port })',
      arb: badPort,
      call: (v) => closeServer({ storage }, { port: v }),
    },
    {
      name: 'adminServer.listen({ host })',
      arb: fc.oneof(
        fc.constant(''),
        badObject.filter((v) => typeof v !== 'string'),
      ),
      call: (v) => closeServer({ storage }, { host: v, port: 0 }),
    },
  ];
}

const otelTargets = (): FuzzTarget[] =>
  options(
    'otelMetrics',
    () => ({}),
    {
      meter: fc.oneof(badObject, fc.object({ maxDepth: 0 })),
      runIdAttribute: defined.filter((v) => typeof v !== 'boolean'),
    },
    (o) => loose(otelMetrics)(o),
  );

/** The targets of this file, on `storage` (one with leases). */
export function workerWatchTargets(storage: StorageAdapter): FuzzTarget[] {
  return [
    ...workerTargets(storage),
    ...watchTargets(storage),
    ...httpTargets(storage),
    ...otelTargets(),
  ];
}
