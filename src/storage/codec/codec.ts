/**
 * The state codec: turns an entity's state into a self-describing,
 * checksummed blob of bytes and back, with msgpackr underneath.
 *
 * @packageDocumentation
 */
import { Packr, RESERVE_START_SPACE } from 'msgpackr';
import { RunStateError, isRunStateError } from '../../errors.js';
import { checkId, show } from '../../validate.js';
import { findUnstorable } from './codec-check.js';
import {
  FORMAT_VERSION,
  HEADER_SIZE,
  checkedPayload,
  corrupted,
  writeHeader,
} from './codec-header.js';

/**
 * A bytes-based state codec.
 *
 * @remarks
 * **Round-trip law**: for every supported value `v`,
 * `decode(encode(v))` is structurally equal to `v` (same types, same keys,
 * same Map/Set entries, shared and cyclic references preserved), also when
 * the blob is decoded by another codec instance or another process. Supported
 * values and the few documented exceptions (`-0`, sparse-array holes,
 * null-prototype objects) are listed in `docs/codec.md`.
 *
 * @example
 * ```ts
 * const bytes = defaultCodec.encode({ seen: new Set([1, 2]), at: new Date() });
 * const state = defaultCodec.decode(bytes);
 * ```
 * @see {@link createCodec}, {@link defaultCodec}, {@link encodeEntityState}
 */
export interface Codec {
  /** Format version written into every blob header. */
  readonly formatVersion: number;
  /**
   * Encode a state.
   *
   * @param value - any supported value
   * @returns a `Uint8Array` whose bytes the caller owns: the codec never
   * writes them again and they alias nothing in `value`. Its `.buffer` may be
   * a slab shared with other blobs (no per-blob allocation), so use the view,
   * not `.buffer`
   * @throws `RunStateError` `E_UNSTORABLE` with `details: { path, reason }`
   * for a value that cannot be stored faithfully (a function, a symbol, a
   * class instance…)
   */
  encode(value: unknown): Uint8Array;
  /**
   * Decode a blob written by {@link Codec.encode}.
   *
   * @param bytes - the blob
   * @returns a fresh value that shares nothing with `bytes` or anything else
   * @throws `RunStateError` `E_CORRUPTED` (with the msgpack error as `cause`
   * when there is one) for bytes that are not a valid blob: bad magic, bad
   * checksum, truncated, undecodable payload
   * @throws `RunStateError` `E_FORMAT_VERSION` with `details: { version }` for
   * a blob whose format version this codec does not know
   * @throws `TypeError` when `bytes` is not a `Uint8Array`
   */
  decode(bytes: Uint8Array): unknown;
}

/**
 * Create a codec with its own configured msgpackr `Packr`.
 *
 * @remarks
 * The blob is an 8-byte header followed by the msgpack payload:
 *
 * | bytes | content |
 * |---|---|
 * | 0–1 | magic `0xc1 0x52` (`0xc1` is a byte msgpack never uses) |
 * | 2 | format version, currently `1` |
 * | 3 | the version's bitwise complement (`0xfe`), so a flipped version bit reads as corruption |
 * | 4–7 | CRC32 (zlib) of the payload, unsigned big-endian |
 * | 8… | msgpackr payload (`structuredClone`, `useBigIntExtension`, records without a shared structures table) |
 *
 * Every blob is self-contained: no structures table is shared between
 * blobs, so any codec instance in any process decodes it. Before encoding,
 * the state is walked once to refuse values msgpackr would drop or alter
 * silently. Instances share no mutable state of their own.
 *
 * @example
 * ```ts
 * const codec = createCodec();
 * const bytes = codec.encode(new Map([[1, 'one']]));
 * createCodec().decode(bytes); // Map(1) { 1 => 'one' }
 * ```
 * @returns a new, independent {@link Codec}
 * @see {@link defaultCodec}
 */
export function createCodec(): Codec {
  const packr = new Packr({
    structuredClone: true,
    useBigIntExtension: true,
    mapsAsObjects: false,
    // decoded Buffers are copies, not views into the blob being decoded
    copyBuffers: true,
  });
  return Object.freeze({
    formatVersion: FORMAT_VERSION,
    encode: (value: unknown) => encodeWith(packr, value),
    decode: (bytes: Uint8Array) => decodeWith(packr, bytes),
  });
}

/**
 * The codec used when none is configured; one shared instance.
 *
 * @remarks
 * Stateless between calls, so sharing it is safe. See {@link createCodec}
 * for the blob layout.
 *
 * @example
 * ```ts
 * const state = defaultCodec.decode(defaultCodec.encode({ count: 1n }));
 * ```
 * @see {@link Codec}
 */
export const defaultCodec: Codec = createCodec();

/**
 * Encode one entity's state, naming the entity when the state is unstorable.
 *
 * @remarks
 * Use this wherever a state is filed into a savepoint: the error then says
 * which entity holds the bad value and where.
 *
 * @example
 * ```ts
 * encodeEntityState(defaultCodec, 'orders', { items: [{ onChange() {} }] });
 * // RunStateError E_UNSTORABLE: cannot store state of entity "orders" at
 * // orders → items[0].onChange: a function
 * ```
 * @param codec - the codec to encode with
 * @param entityId - the entity whose state this is
 * @param state - the state
 * @returns the blob, owned by the caller
 * @throws `RunStateError` `E_UNSTORABLE` with
 * `details: { entityId, path, reason }` and the codec's error as `cause`
 * @throws `TypeError` for a codec without `encode` or a non-string id;
 * `RangeError` for an empty id
 * @see {@link Codec.encode}
 */
export function encodeEntityState(
  codec: Codec,
  entityId: string,
  state: unknown,
): Uint8Array {
  if (typeof (codec as Partial<Codec> | null)?.encode !== 'function') {
    throw new TypeError(`codec must be a Codec, got ${show(codec)}`);
  }
  checkId('entityId', entityId);
  try {
    return codec.encode(state);
  } catch (error) {
    throw unstorableEntity(error, entityId);
  }
}

/**
 * Name the entity in an `E_UNSTORABLE` error from `Codec.encode` (any other
 * error is returned as it is). For callers that validated codec and id
 * already and call `encode` themselves on a hot path.
 */
export function unstorableEntity(error: unknown, entityId: string): unknown {
  if (!isRunStateError(error, 'E_UNSTORABLE')) return error;
  const path = typeof error.details.path === 'string' ? error.details.path : '';
  const reason =
    typeof error.details.reason === 'string'
      ? error.details.reason
      : error.message;
  const where = path === '' ? entityId : `${entityId} → ${path}`;
  return new RunStateError(
    'E_UNSTORABLE',
    `cannot store state of entity ${show(entityId)} at ${where}: ${reason}`,
    { cause: error, details: { entityId, path, reason } },
  );
}

/**
 * Check, then pack with the header's bytes reserved in front and write the
 * header in place. msgpackr hands out consecutive regions of a slab and never
 * writes a returned region again, so the blob needs no copy of its own.
 */
function encodeWith(packr: Packr, value: unknown): Uint8Array {
  const found = findUnstorable(value);
  if (found !== undefined) throw unstorable(found.path, found.reason);
  let packed: Uint8Array;
  try {
    packed = packr.pack(value, RESERVE_START_SPACE | HEADER_SIZE);
  } catch (error) {
    throw unstorable('', `msgpack encoding failed: ${String(error)}`, error);
  }
  // A plain Uint8Array view (not msgpackr's Buffer) over the same bytes.
  const blob = new Uint8Array(packed.buffer, packed.byteOffset, packed.length);
  writeHeader(blob);
  return blob;
}

/** An `E_UNSTORABLE` error for the value at `path`. */
function unstorable(
  path: string,
  reason: string,
  cause?: unknown,
): RunStateError {
  const where = path === '' ? '' : ` at ${path}`;
  return new RunStateError(
    'E_UNSTORABLE',
    `cannot store value${where}: ${reason}`,
    {
      cause,
      details: { path, reason },
    },
  );
}

/** Check the header and checksum, then unpack. */
function decodeWith(packr: Packr, bytes: Uint8Array): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes must be a Uint8Array, got ${show(bytes)}`);
  }
  const payload = checkedPayload(bytes);
  try {
    return packr.unpack(payload) as unknown;
  } catch (error) {
    throw corrupted(bytes, `undecodable payload: ${String(error)}`, error);
  }
}
