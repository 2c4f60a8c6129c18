/**
 * Validation of {@link startRun}'s options into the run's frozen config.
 *
 * @packageDocumentation
 */
import { checkLeaseOptions, type LeaseOptions } from '../../lease/index.js';
import { checkClock, type Clock } from '../../clock.js';
import { silentLogger, type Logger } from '../../logger.js';
import type { MetricsRecorder } from '../../metrics/index.js';
import {
  checkSchedule,
  nextSavepoint,
  type Schedule,
} from '../../schedule/index.js';
import { defaultCodec, type Codec } from '../../storage/codec/index.js';
import type { StorageAdapter } from '../../storage/index.js';
import {
  checkCodecOption,
  checkFunction,
  checkId,
  checkLogger,
  checkOptions,
  checkPositiveInteger,
  checkTimestamp,
  given,
  show,
} from '../../validate.js';
import type { EntitySpec } from './run-entity-slot.js';
import { entitySpecs, optionalFunction } from './run-entity-specs.js';
import type {
  LatenessPolicy,
  RestartInfo,
  RunOptions,
  RunOutput,
} from './run-types.js';
import { guardedMetrics } from '../state-store/index.js';
import type { UpdateFunction } from '../state-store/index.js';
import type { PersistedInfo } from '../state-store/index.js';

/** A run's checked options. */
export interface RunConfig {
  readonly runId: string;
  readonly storage: StorageAdapter;
  readonly schedule: Schedule;
  readonly startFrom: number;
  readonly entities: readonly EntitySpec[];
  readonly input: RunOptions['input'];
  readonly output: ((output: RunOutput) => void | Promise<void>) | undefined;
  readonly update: UpdateFunction | undefined;
  /** `version`, `migrations`, `metadata`: given to each attempt's store. */
  readonly versioning: Pick<RunOptions, 'version' | 'migrations' | 'metadata'>;
  /** Rewind the first attempt to this savepoint. */
  readonly at: number | undefined;
  readonly keep: number | undefined;
  readonly persistIntervalMs: number;
  readonly lease: LeaseOptions | false;
  readonly lateness: LatenessPolicy;
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly restartDelayMs: number;
  readonly onRestart: ((info: RestartInfo) => void) | undefined;
  readonly onPersisted: ((info: PersistedInfo) => void) | undefined;
  /** Where measurements go (guarded: never throws). */
  readonly metrics: MetricsRecorder | undefined;
  readonly codec: Codec | undefined;
  readonly logger: Logger;
  /** Whether `logger` is the user's (else silent, and failures warn). */
  readonly hasLogger: boolean;
  readonly now: () => number;
  readonly clock: Clock;
}

const LATENESS: readonly LatenessPolicy[] = ['reject', 'drop', 'process'];

function nonNegativeInteger(name: string, value: unknown, fallback: number) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a number, got ${show(value)}`);
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a non-negative safe integer, got ${show(value)}`,
    );
  }
  return value;
}

/** `options.codec`: undefined (the default codec) or an encode/decode pair. */
function checkCodec(codec: unknown): Codec {
  checkCodecOption('options.codec', codec);
  return (codec as Codec | undefined) ?? defaultCodec;
}

/** `options.startFrom`: a timestamp whose next savepoint is safe. */
function checkStartFrom(schedule: Schedule, value: unknown): number {
  const startFrom = checkTimestamp('options.startFrom', value);
  if (schedule !== 'none') {
    try {
      nextSavepoint(schedule, startFrom);
    } catch (error) {
      throw new RangeError(`options.startFrom: ${(error as Error).message}`);
    }
  }
  return startFrom;
}

/**
 * Check every option of `startRun`, naming the option and the value.
 *
 * @throws `TypeError`/`RangeError`.
 * @internal
 */
export function checkRunOptions(options: RunOptions): RunConfig {
  const { lateness, clock } = checkRequired(options);
  const o = options;
  return Object.freeze({
    runId: checkId('options.runId', o.runId),
    storage: o.storage,
    schedule: o.schedule,
    startFrom: checkStartFrom(o.schedule, o.startFrom),
    entities: entitySpecs(o.entities, checkCodec(o.codec)),
    input: o.input,
    output: optionalFunction('options.output', o.output),
    update: optionalFunction('options.update', o.update),
    versioning: {
      ...(o.version === undefined ? {} : { version: o.version }),
      ...(o.migrations === undefined ? {} : { migrations: o.migrations }),
      ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
    },
    at: o.at === undefined ? undefined : checkTimestamp('options.at', o.at),
    keep:
      o.keep === undefined
        ? undefined
        : checkPositiveInteger('options.keep', o.keep),
    ...pacing(o, lateness),
    ...observers(o, clock),
  });
}

/**
 * The checks that come first: the options object, `schedule`, `lateness`,
 * `clock`, `input` and `storage`.
 */
function checkRequired(options: RunOptions): {
  lateness: LatenessPolicy;
  clock: Clock;
} {
  checkOptions('options', options);
  if (options === undefined) throw new TypeError('options are required');
  const o = options;
  checkSchedule(o.schedule);
  const lateness = given(o.lateness, 'reject');
  const clock = checkClock('options.clock', o.clock);
  if (!LATENESS.includes(lateness)) {
    throw new TypeError(
      `options.lateness must be one of ${LATENESS.join(', ')}, got ${show(lateness)}`,
    );
  }
  checkFunction('options.input', o.input);
  if (o.storage === null || typeof o.storage !== 'object') {
    throw new TypeError(
      `options.storage must be a StorageAdapter, got ${show(o.storage)}`,
    );
  }
  return { lateness, clock };
}

/** Persisting, lease, lateness and restart options, checked in that order. */
function pacing(
  o: RunOptions,
  lateness: LatenessPolicy,
): Pick<
  RunConfig,
  | 'persistIntervalMs'
  | 'lease'
  | 'lateness'
  | 'maxRestarts'
  | 'withinMs'
  | 'restartDelayMs'
> {
  return {
    persistIntervalMs: nonNegativeInteger(
      'options.persistIntervalMs',
      o.persistIntervalMs,
      100,
    ),
    lease: runLease(o.lease),
    lateness,
    maxRestarts: nonNegativeInteger('options.maxRestarts', o.maxRestarts, 3),
    withinMs: nonNegativeInteger('options.withinMs', o.withinMs, 5_000),
    restartDelayMs: nonNegativeInteger(
      'options.restartDelayMs',
      o.restartDelayMs,
      0,
    ),
  };
}

/** Callbacks, metrics, codec, logger and time, checked in that order. */
function observers(
  o: RunOptions,
  clock: Clock,
): Pick<
  RunConfig,
  | 'onRestart'
  | 'onPersisted'
  | 'metrics'
  | 'codec'
  | 'logger'
  | 'hasLogger'
  | 'now'
  | 'clock'
> {
  return {
    onRestart: optionalFunction('options.onRestart', o.onRestart),
    onPersisted: optionalFunction('options.onPersisted', o.onPersisted),
    metrics: guardedMetrics(o.metrics, o.logger ?? silentLogger, o.runId),
    codec: o.codec,
    logger: checkLogger('options.logger', o.logger, silentLogger),
    hasLogger: o.logger !== undefined,
    now: optionalFunction('options.now', o.now) ?? (() => clock.now()),
    clock,
  };
}

/** The run's lease options: waiting for a held run by default. */
function runLease(value: unknown): LeaseOptions | false {
  if (value === false) return false;
  // Only a left-out lease (or waitMs) takes the default; null is refused.
  const given = (value === undefined ? {} : value) as LeaseOptions;
  const ttlMs = checkLeaseOptions('options.lease', given).ttlMs;
  return Object.freeze({
    ...given,
    waitMs: given.waitMs === undefined ? 2 * ttlMs : given.waitMs,
  });
}
