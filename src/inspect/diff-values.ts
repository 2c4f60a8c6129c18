/**
 * A structural diff of two states, over their tagged-JSON forms: what was
 * added, removed or changed, and where.
 *
 * @packageDocumentation
 */
import { encodeTagged, type TaggedValue } from '../export/index.js';

/** One difference between two states. */
export interface ValueChange {
  /** Where, in code-like notation from the state's root (`''` is the root). */
  readonly path: string;
  /** `added`: only in the second state; `removed`: only in the first. */
  readonly kind: 'added' | 'removed' | 'changed';
  /** The first state's value there, as tagged JSON (not for `added`). */
  readonly before?: TaggedValue;
  /** The second state's value there, as tagged JSON (not for `removed`). */
  readonly after?: TaggedValue;
}

type Obj = Readonly<Record<string, TaggedValue>>;

/**
 * The structural differences between two states.
 *
 * @remarks
 * Both states are encoded as tagged JSON ({@link encodeTagged}) and compared
 * node by node: object properties by key, arrays by index, `Map` entries by
 * key (`.get(<key>)`), `Set` members by value; any other difference is one
 * `changed` with both values. Shared references are compared as they are
 * written (a `ref` is a value like any other). An empty list means the
 * states are equal.
 *
 * @example
 * ```ts
 * diffValues({ a: 1, b: [1] }, { a: 2, b: [1, 2] });
 * // [ { path: 'a', kind: 'changed', before: 1, after: 2 },
 * //   { path: 'b[1]', kind: 'added', after: 2 } ]
 * ```
 * @param before - the first state
 * @param after - the second state
 * @throws `E_UNSTORABLE` for a value with no tagged form
 */
export function diffValues(before: unknown, after: unknown): ValueChange[] {
  const changes: ValueChange[] = [];
  diffTagged(encodeTagged(before), encodeTagged(after), '', changes);
  return changes;
}

const same = (a: TaggedValue, b: TaggedValue): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

const isObj = (v: TaggedValue): v is Obj =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const tagOf = (v: TaggedValue): unknown =>
  isObj(v) && Object.hasOwn(v, '$') ? v.$ : undefined;

function diffTagged(
  a: TaggedValue,
  b: TaggedValue,
  path: string,
  out: ValueChange[],
): void {
  if (same(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    return diffArrays(a as TaggedValue[], b as TaggedValue[], path, out);
  }
  if (
    isObj(a) &&
    isObj(b) &&
    tagOf(a) === tagOf(b) &&
    same(a.id ?? null, b.id ?? null)
  ) {
    const tag = tagOf(a);
    if (tag === undefined) return diffFields(a, b, path, out);
    if (tag === 'object')
      return diffFields(a.value as Obj, b.value as Obj, path, out);
    if (tag === 'Array') {
      return diffArrays(
        a.items as TaggedValue[],
        b.items as TaggedValue[],
        path,
        out,
      );
    }
    if (tag === 'Map') return diffKeyed(entries(a), entries(b), path, out);
    if (tag === 'Set') return diffKeyed(members(a), members(b), path, out);
  }
  out.push({ path, kind: 'changed', before: a, after: b });
}

function diffArrays(
  a: readonly TaggedValue[],
  b: readonly TaggedValue[],
  path: string,
  out: ValueChange[],
): void {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const at = `${path}[${i}]`;
    if (i >= b.length) out.push({ path: at, kind: 'removed', before: a[i]! });
    else if (i >= a.length) out.push({ path: at, kind: 'added', after: b[i]! });
    else diffTagged(a[i]!, b[i]!, at, out);
  }
}

function diffFields(a: Obj, b: Obj, path: string, out: ValueChange[]): void {
  const field = (k: string) =>
    /^[A-Za-z_$][\w$]*$/.test(k)
      ? `${path === '' ? '' : path + '.'}${k}`
      : `${path}[${JSON.stringify(k)}]`;
  const keyed = (o: Obj) =>
    new Map(Object.keys(o).map((k) => [field(k), o[k]!] as const));
  diffKeyed(keyed(a), keyed(b), '', out);
}

/** Map entries keyed by `.get(<key as JSON>)`. */
function entries(map: Obj): Map<string, TaggedValue> {
  const pairs = map.entries as readonly (readonly [TaggedValue, TaggedValue])[];
  return new Map(pairs.map(([k, v]) => [`.get(${JSON.stringify(k)})`, v]));
}

/** Set members keyed by `[Set member <JSON>]`. */
function members(set: Obj): Map<string, TaggedValue> {
  const values = set.values as readonly TaggedValue[];
  return new Map(values.map((v) => [`[Set member ${JSON.stringify(v)}]`, v]));
}

function diffKeyed(
  a: ReadonlyMap<string, TaggedValue>,
  b: ReadonlyMap<string, TaggedValue>,
  path: string,
  out: ValueChange[],
): void {
  for (const [key, value] of a) {
    const other = b.get(key);
    if (!b.has(key))
      out.push({ path: path + key, kind: 'removed', before: value });
    else diffTagged(value, other!, path + key, out);
  }
  for (const [key, value] of b) {
    if (!a.has(key))
      out.push({ path: path + key, kind: 'added', after: value });
  }
}
