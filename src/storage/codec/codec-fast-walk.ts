/**
 * The fast pass of the codec's storability check (codec-check.ts): walks a
 * state once on every save, allocating nothing for plain objects and arrays,
 * and says only whether the state is certainly storable.
 *
 * @remarks
 * It keeps no visited set and no path, and gives up after
 * {@link FAST_MAX_DEPTH} levels or {@link FAST_BUDGET} objects, which also
 * bounds it on cycles and heavily shared graphs. Leaves (strings, numbers…)
 * are checked inside the loops over their container rather than by a call
 * each: most values of a state are leaves, and a recursive call per leaf was
 * about a quarter of the walk's time. The only allocations are an iterator
 * per Map or Set and the (usually empty) array of
 * `Object.getOwnPropertySymbols` per plain object.
 *
 * @internal
 * @packageDocumentation
 */

/** Nesting at which the fast walk hands over to the tracked walk. */
const FAST_MAX_DEPTH = 64;
/** Objects the fast walk visits (shared ones once per reference) before handing over. */
const FAST_BUDGET = 10_000;
/** The walk's verdict that it must hand over to the tracked walk. */
const GIVE_UP = -1;

/** `String.prototype.isWellFormed` (in Node 20, typed in the ES2024 lib only). @internal */
export const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

const hasOwn = Object.hasOwn;
const symbolsOf = Object.getOwnPropertySymbols;
const protoOf: (value: object) => unknown = Object.getPrototypeOf;

/** Prototypes of the supported built-ins that hold no nested values. @internal */
export const LEAF_PROTOTYPES: ReadonlySet<unknown> = new Set([
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  Buffer.prototype,
  ...[
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].map((type) => type.prototype),
]);

/**
 * Whether `value` is certainly storable. `false` means "look closer": there
 * may be a problem, or the state was too deep or too large for this pass.
 *
 * @internal
 */
export function passesFastWalk(value: unknown): boolean {
  return fastWalk(value, 0, FAST_BUDGET) !== GIVE_UP;
}

/** A non-object value: a well-formed string, or anything but a function or symbol. */
function leafOk(value: unknown): boolean {
  if (typeof value === 'string') return isWellFormed(value);
  return typeof value !== 'function' && typeof value !== 'symbol';
}

/** Any value: the remaining budget, or `GIVE_UP`. */
function fastWalk(value: unknown, depth: number, budget: number): number {
  if (typeof value === 'object' && value !== null) {
    return walkObject(value, depth, budget);
  }
  return leafOk(value) ? budget : GIVE_UP;
}

/** An object: the remaining budget, or `GIVE_UP`. */
function walkObject(value: object, depth: number, budget: number): number {
  if (budget === 0 || depth === FAST_MAX_DEPTH) return GIVE_UP;
  let left = budget - 1;
  const proto = protoOf(value);
  if (proto === Object.prototype || proto === null) {
    if (hasOwn(value, '__proto__') || symbolsOf(value).length !== 0) {
      return GIVE_UP;
    }
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      if (typeof item === 'object' && item !== null) {
        left = walkObject(item, depth + 1, left);
        if (left === GIVE_UP) return GIVE_UP;
      } else if (!leafOk(item)) return GIVE_UP;
    }
    return left;
  }
  if (proto === Array.prototype) {
    const array = value as readonly unknown[];
    for (let i = 0; i < array.length; i++) {
      const item = array[i];
      if (typeof item === 'object' && item !== null) {
        left = walkObject(item, depth + 1, left);
        if (left === GIVE_UP) return GIVE_UP;
      } else if (!leafOk(item)) return GIVE_UP;
    }
    return left;
  }
  if (LEAF_PROTOTYPES.has(proto)) return left;
  if (proto === Map.prototype || proto === Set.prototype) {
    return walkCollection(
      value as Map<unknown, unknown> | Set<unknown>,
      depth,
      left,
    );
  }
  return GIVE_UP;
}

/** A Map's keys and values, or a Set's members. */
function walkCollection(
  collection: Map<unknown, unknown> | Set<unknown>,
  depth: number,
  budget: number,
): number {
  let left = budget;
  if (collection instanceof Map) {
    for (const key of collection.keys()) {
      left = fastWalk(key, depth + 1, left);
      if (left === GIVE_UP) return GIVE_UP;
    }
  }
  for (const item of collection.values()) {
    left = fastWalk(item, depth + 1, left);
    if (left === GIVE_UP) return GIVE_UP;
  }
  return left;
}
