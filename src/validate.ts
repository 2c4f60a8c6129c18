/**
 * Argument checks shared by every public function. Each throws a `TypeError`
 * (wrong type) or `RangeError` (right type, bad value) whose message names the
 * argument and shows the value.
 *
 * @internal
 */

import type { Logger } from './logger.js';

/** Render a value for an error message, briefly and without throwing. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function')
    return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `array(${value.length})`;
  const name = (value as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === 'string' ? `[object ${name}]` : '[object]';
}

/**
 * A timestamp: a non-negative safe integer of epoch milliseconds.
 *
 * @internal
 */
export function checkTimestamp(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(
      `${name} must be a number of epoch milliseconds, got ${show(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${name} must be a non-negative safe integer of epoch milliseconds, got ${show(value)}`,
    );
  }
  return value;
}

/**
 * A positive safe integer (counts, limits, a schedule in ms).
 *
 * @internal
 */
export function checkPositiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw new TypeError(
      `${name} must be a positive integer, got ${show(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `${name} must be a positive safe integer, got ${show(value)}`,
    );
  }
  return value;
}

/** A lone (unpaired) UTF-16 surrogate: a code point of category Cs. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * A run or entity id: a non-empty, well-formed Unicode string of at most
 * 1 024 UTF-16 units.
 *
 * @remarks
 * An id holding a lone surrogate (an unpaired UTF-16 code unit) is refused
 * with a `TypeError`, since it is not a Unicode string: UTF-8 (SQLite TEXT,
 * Postgres, Redis keys) cannot hold it, so a backend would change it (to
 * U+FFFD) or merge it with another id. Refusing it up front keeps every
 * backend alike.
 *
 * @internal
 */
export function checkId(name: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${show(value)}`);
  }
  if (value.length === 0 || value.length > 1024) {
    throw new RangeError(
      `${name} must be a non-empty string of at most 1024 characters, got ${show(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`,
    );
  }
  const lone = LONE_SURROGATE.exec(value);
  if (lone !== null) {
    throw new TypeError(
      `${name} must be well-formed Unicode, got a lone UTF-16 surrogate at index ${lone.index} in ${show(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`,
    );
  }
  return value;
}

/**
 * A function argument.
 *
 * @internal
 */
export function checkFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${name} must be a function, got ${show(value)}`);
  }
}

/**
 * A plain options object (or `undefined`).
 *
 * @internal
 */
export function checkOptions(name: string, value: unknown): void {
  if (value !== undefined && (value === null || typeof value !== 'object')) {
    throw new TypeError(`${name} must be an object, got ${show(value)}`);
  }
}

/**
 * An optional pino-compatible logger: `undefined` (then `fallback`) or an
 * object with the four methods `debug`, `info`, `warn` and `error`.
 *
 * @internal
 */
export function checkLogger<L>(
  name: string,
  value: unknown,
  fallback: L,
): L | Logger {
  if (value === undefined) return fallback;
  if (value === null || typeof value !== 'object') {
    throw new TypeError(
      `${name} must be a pino-compatible logger object, got ${show(value)}`,
    );
  }
  const missing = missingMethods(value, LOGGER_METHODS);
  if (missing.length > 0) {
    throw new TypeError(
      `${name} must have the methods ${LOGGER_METHODS.join(', ')} (a pino-compatible logger); missing ${missing.join(', ')} on ${show(value)}`,
    );
  }
  return value as Logger;
}

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * An optional boolean option: `undefined` (then `fallback`) or a boolean.
 *
 * @internal
 */
export function checkOptionalBoolean(
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`${name} must be a boolean, got ${show(value)}`);
  }
  return value;
}

/**
 * `value`, or `fallback` when it is `undefined` (only: unlike `??`, a `null`
 * stays, so that the check after it refuses it).
 *
 * @internal
 */
export function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/**
 * The names of `methods` that `value` has no function for: all of them
 * when `value` is not an object.
 *
 * @internal
 */
export function missingMethods(
  value: unknown,
  methods: readonly string[],
): string[] {
  if (value === null || typeof value !== 'object') return [...methods];
  const o = value as Record<string, unknown>;
  return methods.filter((m) => typeof o[m] !== 'function');
}

/**
 * A storage argument: an object with the storage contract's methods that
 * the caller uses (`methods`).
 *
 * @internal
 */
export function checkStorageArg(
  name: string,
  value: unknown,
  methods: readonly string[] = ['listRuns', 'listSavepoints', 'readSavepoint'],
): void {
  const missing = missingMethods(value, methods);
  if (missing.length > 0) {
    throw new TypeError(
      `${name} must be a StorageAdapter (missing ${missing.join(', ')}), got ${show(value)}`,
    );
  }
}

/**
 * An optional codec option: `undefined` or an object with `encode` and
 * `decode` methods.
 *
 * @internal
 */
export function checkCodecOption(name: string, value: unknown): void {
  if (value === undefined) return;
  if (missingMethods(value, ['encode', 'decode']).length > 0) {
    throw new TypeError(
      `${name} must be a codec (an object with encode and decode methods), got ${show(value)}`,
    );
  }
}

/**
 * An optional list of run ids (`undefined`, or an array of non-empty
 * strings).
 *
 * @internal
 */
export function checkRunIds(name: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    throw new TypeError(
      `${name} must be a list of run ids, got ${show(value)}`,
    );
  }
  value.forEach((id, i) => checkId(`${name}[${i}]`, id));
}
