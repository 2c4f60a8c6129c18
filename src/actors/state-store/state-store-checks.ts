import { checkClock, type Clock } from '../../clock.js';
import { RunStateError, ensureError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { checkSchedule } from '../../schedule/index.js';
import {
  defaultCodec,
  unstorableEntity,
  type Codec,
} from '../../storage/codec/index.js';
import {
  checkMetadata,
  checkVersion,
  type JsonValue,
  type StorageAdapter,
} from '../../storage/index.js';
import { checkMigrationChain, type Migrations } from '../../migrate/index.js';
import {
  checkFunction,
  checkId,
  checkLogger,
  checkOptions,
  checkPositiveInteger,
  checkTimestamp,
  given,
  show,
} from '../../validate.js';
import type { LoadRequest, StoreIo, UpdateFunction } from './state-store-io.js';
import { guardedMetrics } from './state-store-metrics.js';
import {
  canLease,
  checkLeaseOptions,
  type LeaseConfig,
} from '../../lease/index.js';
import type {
  LoadRunStateOptions,
  StateStoreOptions,
} from './state-store-options.js';
import type { PersistedInfo } from './state-store-types.js';

/** An `E_CLOSED` error for a call on a closed store. @internal */
export function closedError(runId: string, what: string): RunStateError {
  return new RunStateError(
    'E_CLOSED',
    `${what} on closed state store of run ${JSON.stringify(runId)}`,
    {
      details: { runId },
    },
  );
}

/** @internal */
export function checkStorage(storage: unknown): void {
  const s = storage as Partial<StorageAdapter> | null;
  if (
    typeof s?.writeSavepoint !== 'function' ||
    typeof s.readSavepoint !== 'function'
  ) {
    throw new TypeError(
      `storage must be a StorageAdapter, got ${show(storage)}`,
    );
  }
}

/** Validate `[id, initialState]` definitions; ids unique. @internal */
export function checkDefs<S>(
  defs: Iterable<readonly [string, S]>,
): (readonly [string, S])[] {
  if (defs === null || typeof defs !== 'object' || !(Symbol.iterator in defs)) {
    throw new TypeError(
      `entityDefs must be a list of [id, initialState] pairs, got ${show(defs)}`,
    );
  }
  const list = [...defs];
  const seen = new Set<string>();
  list.forEach((def, i) => {
    if (!Array.isArray(def) || def.length !== 2) {
      throw new TypeError(
        `entityDefs[${i}] must be an [id, initialState] pair, got ${show(def)}`,
      );
    }
    const id = checkId(`entityDefs[${i}][0]`, def[0]);
    if (seen.has(id))
      throw new TypeError(
        `entityDefs has entity id ${JSON.stringify(id)} twice`,
      );
    seen.add(id);
  });
  return list;
}

/** What a store is built from, after its options are checked. @internal */
export interface StoreConfig {
  readonly io: StoreIo;
  /** The lease to hold, when the storage has leases and it is wanted. */
  readonly lease: LeaseConfig | undefined;
  readonly report: (error: RunStateError) => void;
  readonly onPersisted: (info: PersistedInfo) => void;
  readonly clock: Clock;
}

/**
 * Where an error goes when nothing else hears it: the logger at `error`
 * level when one was given, else a process warning (`process.emitWarning`,
 * which Node prints to stderr unless a `'warning'` listener or
 * `--no-warnings` takes it). An error that stops persistence never
 * vanishes silently.
 *
 * @internal
 */
export function unheardErrors(
  logger: Logger | undefined,
): (bindings: Readonly<Record<string, unknown>>, message: string) => void {
  if (logger !== undefined) {
    return (bindings, message) => logger.error(bindings, message);
  }
  return (bindings, message) => {
    const err = ensureError(bindings.err);
    process.emitWarning(
      err.message === message
        ? err
        : new Error(`${message}: ${err.message}`, { cause: err }),
    );
  };
}

/**
 * Check every option and wrap the callbacks so that one that throws is logged
 * instead of breaking the store.
 *
 * @internal
 */
export function storeConfig(options: StateStoreOptions): StoreConfig {
  checkOptions('options', options);
  const runId = checkId('runId', options.runId);
  checkStorage(options.storage);
  const logger = checkLogger('logger', options.logger, silentLogger);
  const codec = given(options.codec, defaultCodec);
  checkShape('codec', codec, ['encode', 'decode']);
  const alarm = unheardErrors(options.logger);
  const onError = given(options.onError, (error: RunStateError) =>
    alarm({ err: error, runId, code: error.code }, error.message),
  );
  checkFunction('onError', onError);
  const onPersisted = given(options.onPersisted, () => undefined);
  checkFunction('onPersisted', onPersisted);
  const io: StoreIo = {
    runId,
    schedule: checkSchedule(options.schedule),
    storage: options.storage,
    codec,
    logger,
    keep: checkPositiveInteger('keep', given(options.keep, 2)),
    maxOpenSavepoints: checkPositiveInteger(
      'maxOpenSavepoints',
      given(options.maxOpenSavepoints, 1000),
    ),
    persistIntervalMs: checkInterval(options.persistIntervalMs),
    metrics: guardedMetrics(options.metrics, logger, runId),
    ...checkVersioning(options),
  };
  const wanted =
    options.lease === false
      ? undefined
      : checkLeaseOptions(
          'lease',
          options.lease === undefined ? {} : options.lease,
        );
  const lease = canLease(options.storage) ? wanted : undefined;
  return {
    io,
    lease,
    report: guarded(onError, 'onError', alarm, runId),
    onPersisted: guarded(onPersisted, 'onPersisted', alarm, runId),
    clock: checkClock('clock', options.clock),
  };
}

/** `version`, `migrations` and `metadata`, checked against each other. */
function checkVersioning(options: StateStoreOptions): {
  version: number;
  migrations: Migrations<unknown> | undefined;
  metadata: JsonValue | undefined;
} {
  const { migrations, metadata } = options;
  if (migrations !== undefined) checkMigrationChain('migrations', migrations);
  const version =
    options.version === undefined
      ? (migrations?.version ?? 0)
      : checkVersion('version', options.version);
  if (migrations !== undefined && migrations.version !== version) {
    throw new RangeError(
      `version is ${version} but migrations lead to version ${migrations.version}; they must agree (or omit version)`,
    );
  }
  if (metadata !== undefined) checkMetadata('metadata', metadata);
  return { version, migrations, metadata };
}

function checkInterval(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number') {
    throw new TypeError(
      `persistIntervalMs must be a number of milliseconds, got ${show(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `persistIntervalMs must be a non-negative safe integer, got ${show(value)}`,
    );
  }
  return value;
}

function checkShape(name: string, value: unknown, methods: string[]): void {
  const missing = methods.filter(
    (m) => typeof (value as Record<string, unknown> | null)?.[m] !== 'function',
  );
  if (missing.length > 0) {
    throw new TypeError(
      `${name} must have the methods ${methods.join(', ')}; missing ${missing.join(', ')} on ${show(value)}`,
    );
  }
}

function guarded<A>(
  callback: (argument: A) => void,
  name: string,
  alarm: ReturnType<typeof unheardErrors>,
  runId: string,
): (argument: A) => void {
  return (argument) => {
    try {
      callback(argument);
    } catch (error) {
      alarm({ err: error, runId }, `${name} callback threw; ignored`);
    }
  };
}

/** `loadRunState`'s argument: an update function or options. @internal */
export function checkLoadOptions(
  options: UpdateFunction | LoadRunStateOptions | undefined,
): LoadRequest {
  if (options === undefined) return { update: undefined, at: undefined };
  if (typeof options === 'function') return { update: options, at: undefined };
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `options must be an update function or { update, at }, got ${show(options)}`,
    );
  }
  const { update, at } = options;
  if (update !== undefined) checkFunction('options.update', update);
  if (at !== undefined) checkTimestamp('options.at', at);
  return { update, at };
}

/**
 * Why a save must be refused: the store is closed (`E_CLOSED`) or not yet
 * initialised or loaded (`E_NOT_INITIALIZED`); undefined when it may go on.
 * @internal
 */
export function saveRefusal(
  runId: string,
  entityId: string,
  timestamp: number,
  store: { readonly ready: boolean; readonly closed: boolean },
): RunStateError | undefined {
  if (store.ready && !store.closed) return undefined;
  const what = `save of entity ${JSON.stringify(entityId)} at ${timestamp}`;
  if (store.closed) return closedError(runId, what);
  return new RunStateError(
    'E_NOT_INITIALIZED',
    `${what} before initRunState()/loadRunState()`,
    { details: { runId, entityId, timestamp } },
  );
}

/**
 * Encode a state for a save; an unstorable one is reported
 * (`E_UNSTORABLE`) and gives undefined. @internal
 */
export function encodeOrReport(
  codec: Codec,
  entityId: string,
  state: unknown,
  report: (error: RunStateError) => void,
): Uint8Array | undefined {
  try {
    // codec and id were validated by createStateStore and Entity.create.
    return codec.encode(state);
  } catch (thrown) {
    const error = unstorableEntity(thrown, entityId);
    report(
      error instanceof RunStateError
        ? error
        : new RunStateError('E_UNSTORABLE', ensureError(error).message, {
            cause: error,
            details: { entityId },
          }),
    );
    return undefined;
  }
}
