import { crc32 } from 'node:zlib';
import { describe, it, expect } from 'vitest';
import { Packr } from 'msgpackr';
import { createCodec } from '../../../src/storage/codec/codec.js';
import { thrown } from '../../support/thrown.js';

const encoder = createCodec();

/** A blob with a valid header and checksum around any payload. */
function blob(payload: Uint8Array, version = 1): Uint8Array {
  const crc = crc32(payload);
  const header = [0xc1, 0x52, version, ~version & 0xff];
  header.push(crc >>> 24, (crc >>> 16) & 0xff, (crc >>> 8) & 0xff, crc & 0xff);
  return new Uint8Array([...header, ...payload]);
}
describe('codec blob format', () => {
  it('writes the documented header', () => {
    const bytes = encoder.encode({ a: 1 });
    expect(encoder.formatVersion).toBe(1);
    expect([...bytes.subarray(0, 4)]).toStrictEqual([0xc1, 0x52, 1, 0xfe]);
    const crc = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4);
    expect(crc).toBe(crc32(bytes.subarray(8)));
  });

  it('decodes a blob written by an earlier build (format stability)', () => {
    const golden = Buffer.from(
      'c15201fed003ce18d472409aa23130a26964a5636f756e74a3626967a26174a47365656ea562794b6579a56279746573a46c656674a57269676874ab6e756d65726963206b6579a66f726465727303d84200000000000000400000000000000000d6ff6553f100d4730092a161a1628202a374776fa132aa737472696e672074776fc7047401010203d66900000001d4724191a16e01d67000000001',
      'hex',
    );
    const decoded = createCodec().decode(golden) as Record<string, unknown>;
    expect(decoded).toStrictEqual({
      '10': 'numeric key',
      id: 'orders',
      count: 3,
      big: 2n ** 70n,
      at: new Date(1_700_000_000_000),
      seen: new Set(['a', 'b']),
      byKey: new Map<unknown, string>([
        [2, 'two'],
        ['2', 'string two'],
      ]),
      bytes: new Uint8Array([1, 2, 3]),
      left: { n: 1 },
      right: { n: 1 },
    });
    expect(decoded.left).toBe(decoded.right);
  });

  it('reports corrupted bytes as E_CORRUPTED', () => {
    const good = encoder.encode({ items: [1, 2, 3], name: 'x' });
    const flipped = Uint8Array.from(good);
    flipped[good.length - 2]! ^= 0x10;
    const badMagic = Uint8Array.from(good);
    badMagic[0] = 0x00;
    const badVersionByte = Uint8Array.from(good);
    badVersionByte[2] = 3;
    for (const bytes of [
      flipped,
      good.subarray(0, good.length - 1),
      good.subarray(0, 5),
      new Uint8Array(0),
      badMagic,
      badVersionByte,
    ]) {
      const error = thrown(() => encoder.decode(bytes));
      expect(error.code).toBe('E_CORRUPTED');
      expect(error.details.byteLength).toBe(bytes.length);
    }
    expect(thrown(() => encoder.decode(flipped)).details.reason).toMatch(
      /checksum/,
    );
  });

  it('keeps the msgpack error as cause when the payload does not decode', () => {
    for (const payload of [
      [0x92, 0x01],
      [0x01, 0x02],
      [0xd4, 0x72, 0x40],
      [0xd6, 0x70, 0, 0, 0, 1],
    ]) {
      const error = thrown(() => encoder.decode(blob(new Uint8Array(payload))));
      expect(error.code).toBe('E_CORRUPTED');
      expect(error.cause).toBeInstanceOf(Error);
    }
  });

  it('refuses a blob of a newer format version with E_FORMAT_VERSION', () => {
    const error = thrown(() => encoder.decode(blob(new Uint8Array([0x01]), 2)));
    expect(error.code).toBe('E_FORMAT_VERSION');
    expect(error.details).toStrictEqual({ version: 2 });
    expect(error.message).toMatch(/version 2/);
  });

  it('throws a TypeError naming the argument for a non-Uint8Array', () => {
    expect(() => encoder.decode('abc' as never)).toThrow(
      new TypeError('bytes must be a Uint8Array, got "abc"'),
    );
    expect(() => encoder.decode(new ArrayBuffer(9) as never)).toThrow(
      /bytes must be a Uint8Array, got \[object ArrayBuffer\]/,
    );
  });

  it('never touches prototypes when decoding crafted bytes', () => {
    const crafted = JSON.parse(
      '{"__proto__": {"polluted": true}, "a": 1}',
    ) as unknown;
    const asRecord = encoder.decode(
      blob(new Packr({ useRecords: true }).pack(crafted)),
    ) as object;
    const asMap = encoder.decode(
      blob(new Packr({ useRecords: false }).pack(crafted)),
    );
    expect(Object.getPrototypeOf(asRecord)).toBe(Object.prototype);
    expect(asRecord).toStrictEqual({ __proto_: { polluted: true }, a: 1 });
    expect(asMap).toBeInstanceOf(Map);
    expect((asMap as Map<string, unknown>).get('__proto__')).toStrictEqual(
      new Map([['polluted', true]]),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
