/**
 * Validation of {@link startRun}'s options into the run's frozen config.
 *
 * @packageDocumentation
 */
import { checkLeaseOptions, type LeaseOptions } from '../../lease/index.js';
import type { EventObject } from 'xstate';
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
import { findMachineTimer } from './run-machine-timers.js';
import type {
  EntityDefinition,
  LatenessPolicy,
  MachineEntity,
  RestartInfo,
  RunMessage,
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

type ReducerSpec = Extract<EntitySpec, { kind: 'reducer' }>;

const LATENESS: readonly LatenessPolicy[] = ['reject', 'drop', 'process'];

function optionalFunction<F>(
  name: string,
  value: F | undefined,
): F | undefined {
  if (value !== undefined) checkFunction(name, value);
  return value;
}

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
  if (codec === undefined) return defaultCodec;
  if (
    typeof codec !== 'object' ||
    codec === null ||
    !('encode' in codec) ||
    typeof codec.encode !== 'function' ||
    !('decode' in codec) ||
    typeof codec.decode !== 'function'
  ) {
    throw new TypeError(
      `options.codec must be an object with encode and decode methods, got ${show(codec)}`,
    );
  }
  return codec as Codec;
}

const messageAsEvent = (message: RunMessage): EventObject => {
  if (typeof (message as Partial<EventObject>).type !== 'string') {
    throw new TypeError(
      'a machine entity without toEvent needs messages with a string type',
    );
  }
  return message as unknown as EventObject;
};

/**
 * A fresh copy of `initial` per call, the codec's round trip as a resumed
 * state is: a reducer may mutate its state in place, so a restart before
 * the first savepoint must not start from what the failed attempt left. A
 * value the codec cannot store is handed out as is (its first save reports
 * `E_UNSTORABLE`).
 */
function pristine(initial: unknown, codec: Codec): () => unknown {
  let bytes: Uint8Array;
  try {
    bytes = codec.encode(initial);
  } catch {
    return () => initial;
  }
  return () => codec.decode(bytes);
}

/** Normalise a machine entity (`name` is how errors name it). */
function machineSpec(
  id: string,
  name: string,
  def: MachineEntity,
  accepts: EntitySpec['accepts'],
): EntitySpec {
  if (def.machine === null || typeof def.machine !== 'object') {
    throw new TypeError(
      `${name}.machine must be an xstate machine, got ${show(def.machine)}`,
    );
  }
  const timer = findMachineTimer(def.machine);
  if (timer !== undefined) {
    throw new TypeError(
      `${name}.machine uses ${timer}: machine entities must not use timers (after, delayed raise or sendTo), because a timer fires on wall-clock time and is not restored on resume; drive time by the messages' timestamps instead`,
    );
  }
  const toEvent = optionalFunction(`${name}.toEvent`, def.toEvent);
  return {
    kind: 'machine',
    id,
    initial: () => null,
    machine: def.machine,
    input: def.input,
    toEvent: toEvent ?? messageAsEvent,
    accepts,
  };
}

/** Normalise one entity definition, naming it in every error. */
function entitySpec(
  id: string,
  def: EntityDefinition,
  codec: Codec,
): EntitySpec {
  const name = `options.entities[${JSON.stringify(id)}]`;
  if (typeof def === 'function') {
    return {
      kind: 'reducer',
      id,
      initial: () => undefined,
      reduce: def as ReducerSpec['reduce'],
      accepts: undefined,
      transform: undefined,
    };
  }
  checkOptions(name, def);
  if (def === undefined || def === null) {
    throw new TypeError(
      `${name} must be a reducer, { initial, reduce } or { machine }, got ${show(def)}`,
    );
  }
  const accepts = optionalFunction(`${name}.accepts`, def.accepts);
  if ('machine' in def) return machineSpec(id, name, def, accepts);
  if (!('reduce' in def) || typeof def.reduce !== 'function') {
    throw new TypeError(
      `${name} must be a reducer, { initial, reduce } or { machine }; its reduce is ${show((def as { reduce?: unknown }).reduce)}`,
    );
  }
  return {
    kind: 'reducer',
    id,
    initial: pristine(def.initial, codec),
    reduce: def.reduce as ReducerSpec['reduce'],
    accepts,
    transform: optionalFunction(`${name}.transform`, def.transform) as
      ReducerSpec['transform'] | undefined,
  };
}

function entitySpecs(value: unknown, codec: Codec): EntitySpec[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(
      `options.entities must be an object of entity definitions by id, got ${show(value)}`,
    );
  }
  const entries = Object.entries(value as Record<string, EntityDefinition>);
  if (entries.length === 0) {
    throw new RangeError('options.entities must declare at least one entity');
  }
  return entries.map(([id, def]) =>
    entitySpec(checkId('entity id', id), def, codec),
  );
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
    onRestart: optionalFunction('options.onRestart', o.onRestart),
    onPersisted: optionalFunction('options.onPersisted', o.onPersisted),
    metrics: guardedMetrics(o.metrics, o.logger ?? silentLogger, o.runId),
    codec: o.codec,
    logger: checkLogger('options.logger', o.logger, silentLogger),
    hasLogger: o.logger !== undefined,
    now: optionalFunction('options.now', o.now) ?? (() => clock.now()),
    clock,
  });
}

/** The run's lease options: waiting for a held run by default. */
function runLease(value: unknown): LeaseOptions | false {
  if (value === false) return false;
  // undefined only: null is refused by checkLeaseOptions, not a default
  const given = (value === undefined ? {} : value) as LeaseOptions;
  const ttlMs = checkLeaseOptions('options.lease', given).ttlMs;
  return Object.freeze({ waitMs: 2 * ttlMs, ...given });
}
