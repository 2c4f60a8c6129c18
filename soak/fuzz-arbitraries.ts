/**
 * Invalid inputs for the fuzz part, one arbitrary per kind of parameter.
 * None of them ever produces a valid value (nor `undefined`, which means
 * "the default" for options).
 */
import fc from 'fast-check';

/** Anything but a string (and not undefined). */
const nonString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
  fc.constant(Symbol('x')),
  fc.constant(() => 'id'),
);

/** Not a non-empty string: ids, run ids, entity ids. */
export const badId = fc.oneof(fc.constant(''), nonString);

/** Not a non-negative safe integer: timestamps. */
export const badTimestamp = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double().filter((d) => !Number.isSafeInteger(d) || d < 0),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 53, -0.5, 1.5),
  fc.string(),
  fc.constant(null),
  fc.bigInt(),
  fc.object({ maxDepth: 1 }),
  fc.boolean(),
);

/** Not a positive safe integer: keep, schedule, counts. */
export const badPositive = fc.oneof(fc.constant(0), badTimestamp);

/** Not a non-negative safe integer (0 allowed): intervals, restarts. */
export const badNonNegative = badTimestamp;

/** Not a function. */
export const badFunction = fc.oneof(
  nonString.filter((v) => typeof v !== 'function'),
  fc.string(),
);

/** Not an options object. */
export const badObject = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.constant(Symbol('o')),
);

/** Not a boolean. */
export const badBoolean = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.constant(null),
  fc.object({ maxDepth: 1 }),
);

/** Anything at all that is not undefined. */
export const defined = fc.anything().filter((v) => v !== undefined);

/** A savepoint that breaks the storage contract somewhere. */
export const badSavepoint = fc.oneof(
  badObject,
  fc.record({ timestamp: badTimestamp, entries: fc.constant([]) }),
  fc.record({
    timestamp: fc.nat(),
    entries: fc.oneof(
      badObject,
      fc.array(fc.tuple(badId, fc.uint8Array({ maxLength: 4 })), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.array(
        fc.tuple(
          fc.string({ minLength: 1 }),
          defined.filter((v) => !(v instanceof Uint8Array)),
        ),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
      fc.array(
        defined.filter((v) => !Array.isArray(v)),
        { minLength: 1, maxLength: 3 },
      ),
      fc.constant([
        ['a', Uint8Array.of(1)],
        ['a', Uint8Array.of(2)],
      ]),
    ),
  }),
);

/** Bytes that are not a runstate blob (random, or a real one damaged). */
export const badBlob = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constant(new Uint8Array(0)),
);

/** States the codec cannot store. */
export const unstorable = fc.oneof(
  fc.constant(() => 1),
  fc.constant(Symbol('s')),
  fc.constant({ a: { b: [1, () => 2] } }),
  fc.constant(new WeakMap()),
  fc.constant(Promise.resolve(1)),
  fc.constant(
    new (class Point {
      x = 1;
    })(),
  ),
);

/** Not JSON: savepoint metadata must be plain JSON. */
export const badJson = fc.constantFrom(
  () => 1,
  Symbol('m'),
  1n,
  new Map(),
  new Set([1]),
  { a: () => 1 },
  [1n],
  new Date(0),
);

/** Not lease options (false, "no lease", is valid). */
export const badLeaseOptions = fc.oneof(
  badObject.filter((v) => v !== false),
  fc.record({ ttlMs: badPositive }),
  fc.record({ renewEveryMs: badPositive }),
  fc.record({ waitMs: badNonNegative }),
  fc.record({ owner: badId }),
  fc.constant({ ttlMs: 100, renewEveryMs: 100 }),
);

/** Not a MetricsRecorder. */
export const badMetrics = fc.oneof(
  badObject,
  fc.object({ maxDepth: 0 }),
  fc.constant({ attach: () => () => undefined }),
);

/** Not a chain made by defineMigrations. */
export const badChain = fc.oneof(
  badObject,
  fc.object({ maxDepth: 0 }),
  fc.constant({ version: 1, oldest: 0 }),
);
