/**
 * `defineMigrations`: a typed, contiguous chain of state migration steps,
 * and `mapStates`, the per-entity helper.
 *
 * @packageDocumentation
 */
import { show } from '../validate.js';

/** What a step is told about the savepoint it migrates. */
export interface MigrationContext {
  /** The run whose savepoint this is. */
  readonly runId: string;
  /** The savepoint's timestamp. */
  readonly timestamp: number;
  /** The version the step reads. */
  readonly from: number;
  /** The version the step returns (`from + 1`). */
  readonly to: number;
}

/**
 * One migration step: the savepoint's `[id, state]` pairs at one version in,
 * the pairs at the next version out. It may rename, add, split or drop
 * entities; ids must stay unique. May be async.
 */
export type MigrationStep<From, To> = (
  states: [id: string, state: From][],
  context: MigrationContext,
) => Iterable<readonly [string, To]> | Promise<Iterable<readonly [string, To]>>;

/** `Prev[n]` is `n - 1`, for versions up to 128. */
type Prev = [never, ...Enumerate<128>];
type Enumerate<
  N extends number,
  A extends number[] = [],
> = A['length'] extends N ? A : Enumerate<N, [...A, A['length']]>;

/**
 * The steps of a chain over `Shapes` (`{ 0: V0; 1: V1; 2: V2 }`: each
 * version's state type): one per version that has a predecessor in
 * `Shapes`, reading the predecessor's shape and returning its own.
 */
export type MigrationSteps<Shapes> = {
  readonly [
    K in keyof Shapes as K extends keyof Prev
      ? [Prev[K]] extends [never]
        ? never
        : Prev[K] extends keyof Shapes
          ? K
          : never
      : K
  ]: K extends keyof Prev
    ? MigrationStep<Shapes[Prev[K] & keyof Shapes], Shapes[K]>
    : MigrationStep<unknown, unknown>;
};

declare const shapes: unique symbol;

/**
 * A checked migration chain, made by {@link defineMigrations}: give it to
 * `createStateStore`/`startRun` (`migrations`), `checkMigrations` or
 * `migrateRun`.
 */
export interface Migrations<Shapes = Record<number, unknown>> {
  /** The current version: what the chain migrates to and the store writes. */
  readonly version: number;
  /** The oldest version the chain reads (the first step's `from`). */
  readonly oldest: number;
  /** The steps by the version they migrate to. @internal */
  readonly steps: ReadonlyMap<number, MigrationStep<unknown, unknown>>;
  /** Only for the type checker: the shapes the chain was declared with. */
  readonly [shapes]?: Shapes;
}

/**
 * Define a migration chain: integer-keyed steps, each migrating a
 * savepoint's states from the version before its key to its key.
 *
 * @remarks
 * Keys must be positive integers forming one contiguous range (`{ 1, 2, 3
 * }`, or `{ 4, 5 }` for a chain that no longer reads versions below 3):
 * anything else is refused here, when the chain is defined, not when a
 * savepoint is loaded. Declare each version's state shape as the type
 * argument to get a compile error when a step reads or returns the wrong
 * one; without it, states are `unknown`.
 *
 * @example
 * ```ts
 * type Shapes = {
 *   0: { count: number };
 *   1: { count: number; unit: string };
 *   2: { total: { value: number; unit: string } };
 * };
 * const migrations = defineMigrations<Shapes>({
 *   1: mapStates((s) => ({ ...s, unit: 'pcs' })),
 *   2: mapStates((s) => ({ total: { value: s.count, unit: s.unit } })),
 * });
 * migrations.version; // 2
 * ```
 * @param steps - the step migrating to each version, by that version
 * @throws `TypeError` for a step that is not a function or a key that is
 * not an integer; `RangeError` for a key below 1, no steps, or a gap.
 */
export function defineMigrations<Shapes = Record<number, unknown>>(
  steps: MigrationSteps<Shapes>,
): Migrations<Shapes> {
  if (steps === null || typeof steps !== 'object') {
    throw new TypeError(
      `steps must be an object of migration steps keyed by version, got ${show(steps)}`,
    );
  }
  const byVersion = new Map<number, MigrationStep<unknown, unknown>>();
  for (const [key, step] of Object.entries(steps as object)) {
    const version = Number(key);
    if (!/^(0|[1-9]\d*)$/.test(key) || !Number.isSafeInteger(version)) {
      throw new TypeError(
        `steps.${key}: migration step keys must be integer versions, got ${JSON.stringify(key)}`,
      );
    }
    if (version < 1) {
      throw new RangeError(
        `steps.${key}: a step migrates to its key from the version before it, so keys start at 1`,
      );
    }
    if (typeof step !== 'function') {
      throw new TypeError(`steps.${key} must be a function, got ${show(step)}`);
    }
    byVersion.set(version, step as MigrationStep<unknown, unknown>);
  }
  const versions = [...byVersion.keys()].sort((a, b) => a - b);
  const first = versions[0];
  const last = versions.at(-1);
  if (first === undefined || last === undefined) {
    throw new RangeError('steps must hold at least one migration step');
  }
  for (let v = first; v <= last; v++) {
    if (!byVersion.has(v)) {
      throw new RangeError(
        `migration steps must be contiguous: step ${v} is missing between ${first} and ${last} (got ${versions.join(', ')})`,
      );
    }
  }
  return Object.freeze({ version: last, oldest: first - 1, steps: byVersion });
}

/**
 * Check that `value` is a chain made by {@link defineMigrations} (a raw
 * object of steps is the likely mistake).
 *
 * @throws `TypeError` naming `name` and the value
 * @internal
 */
export function checkMigrationChain(
  name: string,
  value: unknown,
): Migrations<unknown> {
  if (
    value === null ||
    typeof value !== 'object' ||
    !((value as Partial<Migrations<unknown>>).steps instanceof Map)
  ) {
    throw new TypeError(
      `${name} must be a chain made by defineMigrations(), got ${show(value)}`,
    );
  }
  return value as Migrations<unknown>;
}
