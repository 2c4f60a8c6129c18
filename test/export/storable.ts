/**
 * fast-check arbitraries of values the codec stores: every supported type,
 * nested, with shared and cyclic references.
 */
import fc from 'fast-check';

const key = fc
  .string({ unit: 'grapheme', maxLength: 6 })
  .filter((k) => k !== '__proto__');

const typedArray = fc.oneof(
  fc.int8Array({ maxLength: 4 }),
  fc.uint8Array({ maxLength: 4 }),
  fc.uint8ClampedArray({ maxLength: 4 }),
  fc.int16Array({ maxLength: 4 }),
  fc.uint16Array({ maxLength: 4 }),
  fc.int32Array({ maxLength: 4 }),
  fc.uint32Array({ maxLength: 4 }),
  fc.float32Array({ maxLength: 4 }),
  fc.float64Array({ maxLength: 4 }),
  fc.bigInt64Array({ maxLength: 4 }),
  fc.bigUint64Array({ maxLength: 4 }),
  fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b)),
  fc.uint8Array({ maxLength: 6 }).map((b) => b.slice().buffer),
  fc.uint8Array({ maxLength: 6 }).map((b) => new DataView(b.slice().buffer)),
);

const leaf = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }),
  fc.constantFrom(/a+b/gi, /^x$/u, /[\d]{2,}/),
  typedArray,
);

/** A codec-storable value, possibly with shared and cyclic references. */
export const storable: fc.Arbitrary<unknown> = fc
  .letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
      fc
        .array(fc.tuple(fc.oneof(key, fc.integer(), leaf), tie('value')), {
          maxLength: 3,
        })
        .map((e) => new Map(e)),
      fc.array(leaf, { maxLength: 3 }).map((m) => new Set(m)),
      tie('value').map((v) => ({ $: v, a: v })),
    ),
  }))
  .value.chain((v) =>
    fc.constantFrom(v, [v, v], new Map<unknown, unknown>([[v, v]]), cyclic(v)),
  );

/** An object that holds `v` and itself. */
function cyclic(v: unknown): unknown {
  const self: Record<string, unknown> = { v };
  self.self = self;
  return self;
}
