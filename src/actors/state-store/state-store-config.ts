/**
 * A StateStore's options, checked into the config it is built from: its
 * {@link StoreIo}, its lease, and its callbacks guarded so that one that
 * throws is logged instead of breaking the store.
 *
 * @packageDocumentation
 */
import { checkClock, type Clock } from '../../clock.js';
import { ensureError, type RunStateError } from '../../errors.js';
import { silentLogger, type Logger } from '../../logger.js';
import { checkSchedule } from '../../schedule/index.js';
import { defaultCodec, type Codec } from '../../storage/codec/index.js';
import {
  checkMetadata,
  checkVersion,
  type JsonValue,
} from '../../storage/index.js';
import { checkMigrationChain, type Migrations } from '../../migrate/index.js';
import {
  checkCodecOption,
  checkFunction,
  checkId,
  checkLogger,
  checkOptions,
  checkPositiveInteger,
  given,
  show,
} from '../../validate.js';
import { checkStorage } from './state-store-checks.js';
import type { StoreIo } from './state-store-io.js';
import { guardedMetrics } from './state-store-metrics.js';
import {
  canLease,
  checkLeaseOptions,
  type LeaseConfig,
} from '../../lease/index.js';
import type { StateStoreOptions } from './state-store-options.js';
import type { PersistedInfo } from './state-store-types.js';

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
 * The store's {@link StoreIo}, from the options not checked yet (in
 * order: `schedule`, `keep`, `maxOpenSavepoints`, `persistIntervalMs`,
 * `metrics`, versioning).
 */
function storeIo(
  options: StateStoreOptions,
  runId: string,
  logger: Logger,
  codec: Codec,
): StoreIo {
  return {
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
  checkCodecOption('codec', options.codec);
  const codec = given(options.codec, defaultCodec);
  const alarm = unheardErrors(options.logger);
  const onError = given(options.onError, (error: RunStateError) =>
    alarm({ err: error, runId, code: error.code }, error.message),
  );
  checkFunction('onError', onError);
  const onPersisted = given(options.onPersisted, () => undefined);
  checkFunction('onPersisted', onPersisted);
  const io = storeIo(options, runId, logger, codec);
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
