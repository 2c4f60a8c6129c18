/**
 * The options of the {@link BaseStorage} constructor, and their check.
 *
 * @packageDocumentation
 */
import { checkId, checkOptions, show } from '../validate.js';

/** A hook's result: a value, or a promise of one. */
export type MaybePromise<T> = T | Promise<T>;

/** What a backend passes to the {@link BaseStorage} constructor. */
export interface BaseStorageOptions {
  /** The backend's name as messages show it, e.g. `'SqliteStorage'`. */
  readonly name: string;
  /**
   * Refuse every write with `E_READ_ONLY`.
   *
   * @defaultValue false
   */
  readonly readOnly?: boolean;
  /**
   * Run each run's writes one after another, in call order, even when they
   * are issued without awaiting. Turn it off only when every write hook is
   * synchronous (it then runs to completion inside the call anyway).
   *
   * @defaultValue true
   */
  readonly serialWrites?: boolean;
}

/**
 * Check the constructor's options and fill in their defaults.
 *
 * @throws `TypeError` for a bad option, naming it and the value
 * @internal
 */
export function checkBaseOptions(
  options: BaseStorageOptions,
): Required<BaseStorageOptions> {
  checkOptions('options', options);
  const { name, readOnly = false, serialWrites = true } = options;
  checkId('options.name', name);
  for (const [key, value] of [
    ['readOnly', readOnly],
    ['serialWrites', serialWrites],
  ] as const) {
    if (typeof value !== 'boolean') {
      throw new TypeError(
        `options.${key} must be a boolean, got ${show(value)}`,
      );
    }
  }
  return { name, readOnly, serialWrites };
}
