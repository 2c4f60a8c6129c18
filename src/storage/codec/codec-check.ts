/**
 * The storability check run by the codec before every encode: finds the first
 * value msgpackr would drop or change silently (a function, a symbol, a class
 * instance…) and names its path inside the state.
 *
 * @remarks
 * Two walks. The fast walk (codec-fast-walk.ts) runs on every save and says
 * only whether the state is certainly storable. Only when it cannot say so
 * does the tracked walk here run: a visited set (so cycles and shared
 * references are walked once) and a path stack, turned into a string only
 * for the problem it reports.
 *
 * @packageDocumentation
 */
import { show } from '../../validate.js';
import {
  LEAF_PROTOTYPES,
  isWellFormed,
  passesFastWalk,
} from './codec-fast-walk.js';

/** A value the codec refuses, and where it is. @internal */
export interface Unstorable {
  /** Path inside the state, `''` for the root (`items[3].onChange`). */
  readonly path: string;
  /** What is wrong (`a function`). */
  readonly reason: string;
}

/** Deepest container nesting accepted (msgpackr overflows the stack near 700 nested Sets). @internal */
export const MAX_DEPTH = 500;

const hasOwn = Object.hasOwn;
const symbolsOf = Object.getOwnPropertySymbols;
const protoOf: (value: object) => unknown = Object.getPrototypeOf;

/** Refused built-ins, named for the message. */
const NAMED_PROTOTYPES: ReadonlyMap<unknown, string> = new Map<unknown, string>(
  [
    [WeakMap.prototype, 'a WeakMap'],
    [WeakSet.prototype, 'a WeakSet'],
    [WeakRef.prototype, 'a WeakRef'],
    [Promise.prototype, 'a Promise'],
    [SharedArrayBuffer.prototype, 'a SharedArrayBuffer'],
  ],
);

/**
 * Find the first value in `value` that the codec cannot store faithfully.
 *
 * @param value - the state about to be encoded
 * @returns `undefined` when everything is storable, else the path and reason
 * @internal
 */
export function findUnstorable(value: unknown): Unstorable | undefined {
  if (passesFastWalk(value)) return undefined;
  return findUnstorableTracked(value);
}

/**
 * The tracked walk alone (what {@link findUnstorable} runs when the fast
 * walk cannot vouch for a state); the reference the fast walk is tested
 * against.
 *
 * @internal
 */
export function findUnstorableTracked(value: unknown): Unstorable | undefined {
  return trackedWalk(value, { seen: new Set(), path: [] }, 0);
}

/** State of the tracked walk. */
interface Tracker {
  /** Objects already walked (or being walked: a cycle). */
  readonly seen: Set<object>;
  /** Path segments from the root to the current value. */
  readonly path: string[];
}

/** Walk with a visited set and a path; the first problem found. */
function trackedWalk(
  value: unknown,
  tracker: Tracker,
  depth: number,
): Unstorable | undefined {
  if (typeof value === 'function') return problem(tracker, 'a function');
  if (typeof value === 'symbol') return problem(tracker, 'a symbol');
  if (typeof value === 'string' && !isWellFormed(value)) {
    return problem(
      tracker,
      'a string with a lone surrogate (not valid UTF-16)',
    );
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (tracker.seen.has(value)) return undefined;
  tracker.seen.add(value);
  if (depth === MAX_DEPTH) {
    return problem(tracker, `nesting deeper than ${MAX_DEPTH} levels`);
  }
  const proto = protoOf(value);
  if (proto === Object.prototype || proto === null) {
    return walkRecord(value as Record<string, unknown>, tracker, depth);
  }
  if (proto === Array.prototype) {
    const array = value as readonly unknown[];
    for (let i = 0; i < array.length; i++) {
      const found = walkChild(array[i], `[${i}]`, tracker, depth);
      if (found) return found;
    }
    return undefined;
  }
  if (LEAF_PROTOTYPES.has(proto)) return undefined;
  if (proto === Map.prototype) {
    return walkMap(value as Map<unknown, unknown>, tracker, depth);
  }
  if (proto === Set.prototype) {
    return walkSet(value as Set<unknown>, tracker, depth);
  }
  return problem(tracker, describeInstance(value, proto));
}

/** Walk one child, with its path segment pushed. */
function walkChild(
  value: unknown,
  segment: string,
  tracker: Tracker,
  depth: number,
): Unstorable | undefined {
  tracker.path.push(segment);
  const found = trackedWalk(value, tracker, depth + 1);
  tracker.path.pop();
  return found;
}

/** A plain or null-prototype object: its keys, then its values. */
function walkRecord(
  record: Record<string, unknown>,
  tracker: Tracker,
  depth: number,
): Unstorable | undefined {
  const root = tracker.path.length === 0;
  if (hasOwn(record, '__proto__')) {
    tracker.path.push(propertySegment('__proto__', root));
    return problem(tracker, 'an own property named "__proto__"');
  }
  const symbol = symbolsOf(record)[0];
  if (symbol !== undefined) {
    tracker.path.push(`[${symbol.toString()}]`);
    return problem(tracker, 'a symbol-keyed property');
  }
  for (const key in record) {
    const segment = propertySegment(key, root);
    const found = walkChild(record[key], segment, tracker, depth);
    if (found) return found;
  }
  return undefined;
}

/** A Map, entry by entry: the key (`[Map key #i]`), then its value (`.get(<key>)`). */
function walkMap(
  map: Map<unknown, unknown>,
  tracker: Tracker,
  depth: number,
): Unstorable | undefined {
  let index = 0;
  for (const [key, item] of map) {
    const found =
      walkChild(key, `[Map key #${index++}]`, tracker, depth) ??
      walkChild(item, `.get(${show(key)})`, tracker, depth);
    if (found) return found;
  }
  return undefined;
}

/** A Set: each member, `[Set #i]` in insertion order. */
function walkSet(
  set: Set<unknown>,
  tracker: Tracker,
  depth: number,
): Unstorable | undefined {
  let index = 0;
  for (const member of set) {
    const found = walkChild(member, `[Set #${index++}]`, tracker, depth);
    if (found) return found;
  }
  return undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `.name`, or `name` at the root, or `["odd key"]`. */
function propertySegment(key: string, root: boolean): string {
  if (!IDENTIFIER.test(key)) return `[${JSON.stringify(key)}]`;
  return root ? key : `.${key}`;
}

/** The problem at the tracker's current path. */
function problem(tracker: Tracker, reason: string): Unstorable {
  return { path: tracker.path.join(''), reason };
}

/** Why an object of an unsupported prototype is refused. */
function describeInstance(value: object, proto: unknown): string {
  const named = NAMED_PROTOTYPES.get(proto);
  if (named !== undefined) return named;
  const name = constructorName(proto);
  if (value instanceof Error) return `an Error (${name ?? 'anonymous class'})`;
  if (name === undefined) return 'an instance of an anonymous class';
  if (name === 'Object' || name === 'Array') {
    return `an ${name} from another realm (its prototype is not this realm's)`;
  }
  return `an instance of class ${name}`;
}

/** The name of `proto.constructor`, read without running a getter. */
function constructorName(proto: unknown): string | undefined {
  if (typeof proto !== 'object' || proto === null) return undefined;
  const ctor: unknown = Object.getOwnPropertyDescriptor(
    proto,
    'constructor',
  )?.value;
  if (typeof ctor !== 'function') return undefined;
  const name: unknown = Object.getOwnPropertyDescriptor(ctor, 'name')?.value;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
