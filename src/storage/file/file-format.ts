/**
 * The savepoint file format of the file backend (version 2, documented in
 * `docs/storage-file.md`): a 48-byte header, the metadata (state version,
 * write time, user metadata as JSON), then the body, optionally
 * compressed, holding every entry as `[id, bytes]`. Version 1 files (no
 * metadata) are still read: as state version 0, write time unknown.
 *
 * @packageDocumentation
 */
import { crc32 } from 'node:zlib';
import { RunStateError } from '../../errors.js';
import {
  compress,
  compressionId,
  decompress,
  knowsCompression,
} from './file-compression.js';
import type { FileCompression } from './file-options.js';
import { metaOf, metadataText } from '../savepoint-meta.js';
import type {
  JsonValue,
  SavepointMeta,
  StoredEntry,
  StoredSavepoint,
} from '../types.js';

/** `RSSP` ("runstate savepoint"), the first four bytes of every file. */
const MAGIC = Buffer.from('RSSP', 'latin1');
/** The format version this runstate writes (it reads 1 too). */
const FILE_FORMAT_VERSION = 2;
/** The fixed part of the header; all of it in version 1. */
const HEADER_LENGTH = 48;
/** Version 2: the fixed part plus state version, write time, JSON length. */
const META_AT = HEADER_LENGTH;
const META_FIXED = 20;
/** Where the header checksum is (in every version). */
const HEADER_CRC_AT = 8;
/** Set in an id's length field when the id is stored as UTF-16LE. */
const WIDE = 0x8000;
const TWO_32 = 2 ** 32;

type Details = Readonly<Record<string, unknown>>;

/** The ids of strings with lone surrogates, which UTF-8 cannot hold. */
const isWellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value % TWO_32, at);
  buf.writeUInt32LE(Math.floor(value / TWO_32), at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO_32;
}

/** The checksum of a header: every byte but the checksum field itself. */
function headerCrc(file: Buffer, headerLength: number): number {
  const start = crc32(file.subarray(0, HEADER_CRC_AT));
  return crc32(file.subarray(HEADER_CRC_AT + 4, headerLength), start);
}

/** Byte length of each id (negative: stored as UTF-16LE); total size. */
function measure(entries: readonly StoredEntry[]): [Int32Array, number] {
  const idLengths = new Int32Array(entries.length);
  let size = 0;
  for (let i = 0; i < entries.length; i++) {
    const [id, bytes] = entries[i] as StoredEntry;
    const wide = !isWellFormed(id);
    const length = wide ? id.length * 2 : Buffer.byteLength(id, 'utf8');
    idLengths[i] = wide ? -length : length;
    size += 6 + length + bytes.length;
  }
  return [idLengths, size];
}

/** Write every entry into `buf` from `at`: one copy of each state. */
function fillBody(
  buf: Buffer,
  at: number,
  entries: readonly StoredEntry[],
  idLengths: Int32Array,
): void {
  let offset = at;
  for (let i = 0; i < entries.length; i++) {
    const [id, bytes] = entries[i] as StoredEntry;
    const length = idLengths[i] as number;
    const wide = length < 0;
    const idLength = wide ? -length : length;
    buf.writeUInt16LE(wide ? idLength | WIDE : idLength, offset);
    offset += 2;
    buf.write(id, offset, idLength, wide ? 'utf16le' : 'utf8');
    offset += idLength;
    buf.writeUInt32LE(bytes.length, offset);
    buf.set(bytes, offset + 4);
    offset += 4 + bytes.length;
  }
}

/** The metadata part of a version 2 header. */
function encodeMeta(savepoint: StoredSavepoint): Buffer {
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

function writeHeader(
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

/**
 * The complete contents of a savepoint file. Uncompressed, the header and
 * body are built in one buffer, copying each state once.
 *
 * @internal
 */
export async function encodeSavepointFile(
  savepoint: StoredSavepoint,
  compression: FileCompression,
): Promise<Buffer> {
  const { entries } = savepoint;
  const meta = encodeMeta(savepoint);
  const headerLength = HEADER_LENGTH + meta.length;
  if (headerLength > 0xffff) {
    throw new RangeError(
      `savepoint metadata of ${meta.length - META_FIXED} bytes does not fit a savepoint file header (at most ${0xffff - HEADER_LENGTH - META_FIXED})`,
    );
  }
  const [idLengths, size] = measure(entries);
  const at = compression === 'none' ? headerLength : 0;
  const raw = Buffer.allocUnsafe(at + size);
  fillBody(raw, at, entries, idLengths);
  let file = raw;
  if (compression !== 'none') {
    const body = await compress(compression, raw);
    file = Buffer.allocUnsafe(headerLength + body.length);
    body.copy(file, headerLength);
  }
  writeHeader(file, savepoint, compression, size, meta);
  return file;
}

/** An `E_CORRUPTED` error about a savepoint file. */
function corrupted(
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

/** What a checked header says beside the fixed fields. */
interface Header {
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

/** Check the header; returns the compression id. */
function checkHeader(file: Buffer, details: Details): Header {
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

/** The body, checked and decompressed. */
async function readBody(
  file: Buffer,
  { compression, headerLength }: Header,
  details: Details,
): Promise<Buffer> {
  const storedLength = readU64(file, 24);
  if (file.length !== headerLength + storedLength) {
    throw corrupted(
      `${file.length} bytes where the header says ${headerLength + storedLength} (truncated or extended)`,
      details,
    );
  }
  const stored = file.subarray(headerLength);
  if (crc32(stored) !== file.readUInt32LE(40)) {
    throw corrupted('body checksum mismatch', details);
  }
  const rawLength = readU64(file, 32);
  let raw: Buffer;
  try {
    raw = await decompress(compression, stored, rawLength);
  } catch (error) {
    throw corrupted('body does not decompress', details, error);
  }
  if (raw.length !== rawLength) {
    throw corrupted(
      `body of ${raw.length} bytes, the header says ${rawLength}`,
      details,
    );
  }
  return raw;
}

/** Every entry of a body; the states are views of `body`, not copies. */
function parseEntries(
  body: Buffer,
  count: number,
  details: Details,
): StoredEntry[] {
  const entries = new Array<StoredEntry>(count);
  let offset = 0;
  let i = 0;
  for (; i < count; i++) {
    if (offset + 2 > body.length) break;
    const field = body.readUInt16LE(offset);
    const idLength = field & ~WIDE;
    const idEnd = offset + 2 + idLength;
    if (idEnd + 4 > body.length) break;
    const id = body.toString(
      field & WIDE ? 'utf16le' : 'utf8',
      offset + 2,
      idEnd,
    );
    const end = idEnd + 4 + body.readUInt32LE(idEnd);
    if (end > body.length) break;
    entries[i] = [id, body.subarray(idEnd + 4, end)];
    offset = end;
  }
  if (i !== count || offset !== body.length) {
    throw corrupted(`the body does not hold ${count} entries`, details);
  }
  return entries;
}

/**
 * Decode a savepoint file: check its header and checksums, decompress its
 * body whatever compression it names, and list its entries.
 *
 * @param file - the whole file
 * @param details - run id, timestamp, path: added to every error
 * @throws `E_CORRUPTED` (`details.reason`) for a damaged or truncated file;
 * `E_FORMAT_VERSION` for a file written by a newer format version.
 * @internal
 */
export async function decodeSavepointFile(
  file: Buffer,
  details: Details,
): Promise<StoredSavepoint> {
  const header = checkHeader(file, details);
  const count = file.readUInt32LE(12);
  const timestamp = readU64(file, 16);
  const body = await readBody(file, header, details);
  const entries = parseEntries(body, count, details);
  return { timestamp, entries, meta: header.meta };
}
