/**
 * {@link roundTrip}: a state as it would come back from storage.
 */
import {
  defaultCodec,
  encodeEntityState,
  type Codec,
} from '../storage/codec/index.js';
import { checkOptions, show } from '../validate.js';

/** Options of {@link roundTrip}. */
export interface RoundTripOptions {
  /** The codec your StateStore or run uses. @defaultValue `defaultCodec` */
  readonly codec?: Codec;
  /** Name this entity in the error (`orders → items[0].onChange`). */
  readonly entityId?: string;
}

/**
 * The state as a load would return it: encoded and decoded by the codec, so
 * a unit test can assert that a state is storable, and what it becomes,
 * without a store.
 *
 * @remarks
 * The result is a new value; `state` is not changed. What survives and the
 * few documented exceptions (`-0`, sparse-array holes, null-prototype
 * objects) are in `docs/codec.md`.
 *
 * @param state - an entity's state
 * @param options - the codec, and the entity to name in errors
 * @returns the decoded copy
 * @throws `RunStateError` `E_UNSTORABLE` naming the path of the first value
 * the codec cannot store (`details.path`, `details.reason`).
 * @example
 * ```ts
 * expect(roundTrip({ seen: new Set([1]), at: new Date(0) }))
 *   .toEqual({ seen: new Set([1]), at: new Date(0) });
 * roundTrip({ onChange() {} }); // throws E_UNSTORABLE at onChange: a function
 * ```
 */
export function roundTrip<S>(state: S, options: RoundTripOptions = {}): S {
  checkOptions('options', options);
  const codec = options.codec === undefined ? defaultCodec : options.codec;
  if (typeof (codec as Partial<Codec> | null)?.decode !== 'function') {
    throw new TypeError(`options.codec must be a Codec, got ${show(codec)}`);
  }
  const { entityId } = options;
  if (entityId !== undefined && typeof entityId !== 'string') {
    throw new TypeError(
      `options.entityId must be a string, got ${show(entityId)}`,
    );
  }
  const bytes =
    options.entityId === undefined
      ? codec.encode(state)
      : encodeEntityState(codec, options.entityId, state);
  return codec.decode(bytes) as S;
}
