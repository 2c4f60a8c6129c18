/**
 * The header of a savepoint file (format version 2, documented in
 * `docs/storage-file.md`; version 1 is read too): its fixed fields and
 * checksum, the metadata part of version 2, and the errors a damaged or
 * newer header gets. The body is `file-format.ts`.
 *
 * @packageDocumentation
 */
import { crc32 } from 'node:zlib';
import { RunStateError } from '../../errors.js';
import { compressionId, knowsCompression } from './file-compression.js';
import type { FileCompression } from './file-options.js';
import { metaOf, metadataText } from '../savepoint-meta.js';
import type { JsonValue, SavepointMeta, StoredSavepoint } from '../types.js';

/** `RSSP` ("runstate savepoint"), the first four bytes of every file. */
const MAGIC = Buffer.from('RSSP', 'latin1');
/** The format version this runstate writes (it reads 1 too). */
const FILE_FORMAT_VERSION = 2;
/** The fixed part of the header; all of it in version 1. @internal */
export const HEADER_LENGTH = 48;
/** Version 2: the fixed part plus state version, write time, JSON length. */
const META_AT = HEADER_LENGTH;
/** The fixed length of version 2's metadata part. @internal */
export const META_FIXED = 20;
/** Where the header checksum is (in every version). */
const HEADER_CRC_AT = 8;
const TWO_32 = 2 ** 32;

/** What an error about a file reports (run id, timestamp, path). @internal */
export type Details = Readonly<Record<string, unknown>>;

function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value % TWO_32, at);
  buf.writeUInt32LE(Math.floor(value / TWO_32), at + 4);
}

/** A little-endian u64 (a safe integer) at `at`. @internal */
export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO_32;
}

/** The checksum of a header: every byte but the checksum field itself. */
function headerCrc(file: Buffer, headerLength: number): number {
  const start = crc32(file.subarray(0, HEADER_CRC_AT));
  return crc32(file.subarray(HEADER_CRC_AT + 4, headerLength), start);
}

/** The metadata part of a version 2 header. @internal */
export function encodeMeta(savepoint: StoredSavepoint): Buffer {
  const meta = metaOf(savepoint);
  const text = metadataText(meta);
  const json = text === null ? Buffer.alloc(0) : Buffer.from(text, 'utf8');
  const part = Buffer.allocUnsafe(META_FIXED + json.length);
  writeU64(part, meta.version, 0);
  writeU64(part, meta.writtenAt, 8);
  part.writeUInt32LE(text === null ? 0xffffffff : json.length, 16);
  json.copy(part, META_FIXED);
  return part;
}

/** Write the header (and the metadata part) into `file`. @internal */
export function writeHeader(
  file: Buffer,
  savepoint: StoredSavepoint,
  compression: FileCompression,
  rawLength: number,
  meta: Buffer,
): void {
  const headerLength = HEADER_LENGTH + meta.length;
  MAGIC.copy(file, 0);
  file[4] = FILE_FORMAT_VERSION;
  file[5] = compressionId(compression);
  file.writeUInt16LE(headerLength, 6);
  file.writeUInt32LE(savepoint.entries.length, 12);
  writeU64(file, savepoint.timestamp, 16);
  writeU64(file, file.length - headerLength, 24);
  writeU64(file, rawLength, 32);
  file.writeUInt32LE(crc32(file.subarray(headerLength)), 40);
  file.writeUInt32LE(0, 44);
  meta.copy(file, META_AT);
  file.writeUInt32LE(headerCrc(file, headerLength), HEADER_CRC_AT);
}

/** An `E_CORRUPTED` error about a savepoint file. @internal */
export function corrupted(
  reason: string,
  details: Details,
  cause?: unknown,
): RunStateError {
  return new RunStateError(
    'E_CORRUPTED',
    `corrupted savepoint file: ${reason}`,
    { cause, details: { ...details, reason } },
  );
}

function formatVersion(message: string, details: Details): RunStateError {
  return new RunStateError('E_FORMAT_VERSION', message, { details });
}

/** What a checked header says beside the fixed fields. @internal */
export interface Header {
  readonly compression: number;
  readonly headerLength: number;
  readonly meta: SavepointMeta;
}

/** The metadata of a header of `version` (version 1 has none). */
function readMeta(
  file: Buffer,
  version: number,
  headerLength: number,
  details: Details,
): SavepointMeta | undefined {
  if (version === 1) {
    return headerLength === HEADER_LENGTH ? { version: 0 } : undefined;
  }
  if (headerLength < HEADER_LENGTH + META_FIXED) return undefined;
  const length = file.readUInt32LE(META_AT + 16);
  const none = length === 0xffffffff;
  if (HEADER_LENGTH + META_FIXED + (none ? 0 : length) !== headerLength) {
    return undefined;
  }
  const meta = {
    version: readU64(file, META_AT),
    writtenAt: readU64(file, META_AT + 8),
  };
  if (none) return meta;
  const text = file.toString('utf8', META_AT + META_FIXED, headerLength);
  try {
    return { ...meta, metadata: JSON.parse(text) as JsonValue };
  } catch (error) {
    throw corrupted('metadata is not JSON', details, error);
  }
}

/** Check the header; returns the compression id. @internal */
export function checkHeader(file: Buffer, details: Details): Header {
  if (file.length < HEADER_CRC_AT + 4 || !MAGIC.equals(file.subarray(0, 4))) {
    throw corrupted('not a runstate savepoint file (bad magic)', details);
  }
  const headerLength = file.readUInt16LE(6);
  if (headerLength < HEADER_CRC_AT + 4 || headerLength > file.length) {
    throw corrupted('truncated header', details);
  }
  if (headerCrc(file, headerLength) !== file.readUInt32LE(HEADER_CRC_AT)) {
    throw corrupted('header checksum mismatch', details);
  }
  const version = file[4] as number;
  const meta =
    version === 1 || version === FILE_FORMAT_VERSION
      ? readMeta(file, version, headerLength, details)
      : undefined;
  if (meta === undefined) {
    throw formatVersion(
      `savepoint file format version ${version} is unknown to this runstate, which reads versions 1 to ${FILE_FORMAT_VERSION}; it was written by a newer runstate`,
      { ...details, version },
    );
  }
  const compression = file[5] as number;
  if (!knowsCompression(compression)) {
    throw formatVersion(
      `savepoint file compression ${compression} is unknown to this runstate; it was written by a newer runstate`,
      { ...details, version, compression },
    );
  }
  return { compression, headerLength, meta };
}
