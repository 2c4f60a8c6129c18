/**
 * The savepoint file format of the file backend (version 2, documented in
 * `docs/storage-file.md`): a 48-byte header, the metadata (state version,
 * write time, user metadata as JSON), then the body, optionally
 * compressed, holding every entry as `[id, bytes]`. Version 1 files (no
 * metadata) are still read: as state version 0, write time unknown. The
 * header is `file-header.ts`; this module encodes and decodes whole files.
 *
 * @packageDocumentation
 */
import { crc32 } from 'node:zlib';
import { compress, decompress } from './file-compression.js';
import {
  HEADER_LENGTH,
  META_FIXED,
  checkHeader,
  corrupted,
  encodeMeta,
  readU64,
  writeHeader,
  type Details,
  type Header,
} from './file-header.js';
import type { FileCompression } from './file-options.js';
import type { StoredEntry, StoredSavepoint } from '../types.js';

/** Set in an id's length field when the id is stored as UTF-16LE. */
const WIDE = 0x8000;

/** The ids of strings with lone surrogates, which UTF-8 cannot hold. */
const isWellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

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
