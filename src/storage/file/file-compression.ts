/**
 * The compressions of savepoint files, all from node:zlib, and the ids that
 * record them in each file's header.
 *
 * @packageDocumentation
 */
import { promisify } from 'node:util';
import {
  brotliCompress,
  brotliDecompress,
  constants,
  deflate,
  gunzip,
  gzip,
  inflate,
  type ZlibOptions,
} from 'node:zlib';
import type { FileCompression } from './file-options.js';

type Transform = (input: Buffer) => Promise<Buffer>;
type Inverse = (input: Buffer, options: ZlibOptions) => Promise<Buffer>;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);
const brotliCompressAsync = promisify(brotliCompress);
const brotliDecompressAsync = promisify(brotliDecompress);

/** Brotli's default quality (11) is far too slow for megabytes of state. */
const BROTLI_QUALITY = 4;

interface Codec {
  readonly id: number;
  readonly compress: Transform;
  readonly decompress: Inverse;
}

const CODECS: Readonly<Record<Exclude<FileCompression, 'none'>, Codec>> = {
  gzip: {
    id: 1,
    compress: (b) => gzipAsync(b),
    decompress: (b, options) => gunzipAsync(b, options),
  },
  deflate: {
    id: 2,
    compress: (b) => deflateAsync(b),
    decompress: (b, options) => inflateAsync(b, options),
  },
  brotli: {
    id: 3,
    compress: (b) =>
      brotliCompressAsync(b, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: b.length,
        },
      }),
    decompress: (b, options) => brotliDecompressAsync(b, options),
  },
};

const BY_ID = new Map<number, Codec>(
  Object.values(CODECS).map((codec) => [codec.id, codec]),
);

/** The header id of a compression: 0 for none. @internal */
export function compressionId(compression: FileCompression): number {
  return compression === 'none' ? 0 : CODECS[compression].id;
}

/** Whether a header id names a compression this version knows. @internal */
export function knowsCompression(id: number): boolean {
  return id === 0 || BY_ID.has(id);
}

/** Compress `body` (returned as is for `'none'`). @internal */
export function compress(
  compression: FileCompression,
  body: Buffer,
): Promise<Buffer> {
  return compression === 'none'
    ? Promise.resolve(body)
    : CODECS[compression].compress(body);
}

/**
 * Decompress a body compressed with header id `id` (which
 * {@link knowsCompression}) into at most `rawLength` bytes, so a damaged
 * body cannot inflate without bound.
 *
 * @throws the zlib error when the body does not decompress, or would be
 * longer than `rawLength`.
 * @internal
 */
export function decompress(
  id: number,
  body: Buffer,
  rawLength: number,
): Promise<Buffer> {
  const codec = BY_ID.get(id);
  return codec === undefined
    ? Promise.resolve(body)
    : codec.decompress(body, { maxOutputLength: Math.max(1, rawLength) });
}
