/**
 * The 8-byte header in front of every codec blob (layout in `createCodec`'s
 * TSDoc and `docs/codec.md`): written in place by the encoder, checked with
 * the payload's CRC32 by the decoder.
 *
 * @packageDocumentation
 */
import { crc32 } from 'node:zlib';
import { RunStateError } from '../../errors.js';

/** The blob format version this codec writes and reads. @internal */
export const FORMAT_VERSION = 1;
/** First two bytes of every blob; `0xc1` is never used by msgpack itself. */
const MAGIC_0 = 0xc1;
const MAGIC_1 = 0x52; // 'R'
/** Magic (2) + version (1) + inverted version (1) + CRC32 (4). @internal */
export const HEADER_SIZE = 8;

/**
 * Write the header into the first {@link HEADER_SIZE} bytes of `blob`, in
 * front of the payload already packed after them.
 *
 * @internal
 */
export function writeHeader(blob: Uint8Array): void {
  const crc = crc32(blob.subarray(HEADER_SIZE));
  blob[0] = MAGIC_0;
  blob[1] = MAGIC_1;
  blob[2] = FORMAT_VERSION;
  blob[3] = ~FORMAT_VERSION & 0xff;
  blob[4] = crc >>> 24;
  blob[5] = (crc >>> 16) & 0xff;
  blob[6] = (crc >>> 8) & 0xff;
  blob[7] = crc & 0xff;
}

/**
 * The payload of `bytes` once its header and checksum are right, as a fresh
 * Buffer view (msgpackr caches a DataView on its input object, and reads
 * msgpack `bin` as Buffer; the caller's array is never touched).
 *
 * @throws `E_CORRUPTED` or `E_FORMAT_VERSION`
 * @internal
 */
export function checkedPayload(bytes: Uint8Array): Buffer {
  checkHeader(bytes);
  const payload = Buffer.from(
    bytes.buffer,
    bytes.byteOffset + HEADER_SIZE,
    bytes.byteLength - HEADER_SIZE,
  );
  const stored =
    ((bytes[4]! << 24) | (bytes[5]! << 16) | (bytes[6]! << 8) | bytes[7]!) >>>
    0;
  const actual = crc32(payload);
  if (actual !== stored) {
    throw corrupted(
      bytes,
      `checksum mismatch (stored ${stored}, computed ${actual})`,
    );
  }
  return payload;
}

/** Magic, version and its complement; throws unless all three are right. */
function checkHeader(bytes: Uint8Array): void {
  if (bytes.length < HEADER_SIZE) {
    throw corrupted(
      bytes,
      `truncated: ${bytes.length} bytes, shorter than the ${HEADER_SIZE}-byte header`,
    );
  }
  if (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) {
    throw corrupted(bytes, 'bad magic: not a runstate blob');
  }
  const version = bytes[2]!;
  if (bytes[3] !== (~version & 0xff)) {
    throw corrupted(
      bytes,
      'damaged header: the version byte does not match its check byte',
    );
  }
  if (version !== FORMAT_VERSION) {
    throw new RunStateError(
      'E_FORMAT_VERSION',
      `blob format version ${version} is unknown to this codec, which reads version ${FORMAT_VERSION}${version > FORMAT_VERSION ? '; it was written by a newer runstate' : ''}`,
      { details: { version } },
    );
  }
}

/** An `E_CORRUPTED` error for `bytes`. @internal */
export function corrupted(
  bytes: Uint8Array,
  reason: string,
  cause?: unknown,
): RunStateError {
  return new RunStateError(
    'E_CORRUPTED',
    `corrupted blob of ${bytes.length} bytes: ${reason}`,
    {
      cause,
      details: { reason, byteLength: bytes.length },
    },
  );
}
