import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  RunStateError,
  decodeTagged,
  defaultCodec,
  exportSavepoint,
  importSavepoint,
} from 'runstate';

/** The error a promise rejects with. */
const thrown = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => expect.unreachable('expected a rejection'),
    (e: unknown) => e,
  );

const header = (over: Record<string, unknown> = {}, entities = 1) =>
  JSON.stringify({
    format: 'runstate-savepoint',
    formatVersion: 1,
    runId: 'r',
    timestamp: 1000,
    date: '1970-01-01T00:00:01.000Z',
    version: 0,
    entities,
    ...over,
  });

const entity = (state: unknown, id = 'e') => JSON.stringify({ id, state });

/** Import `lines` into a fresh storage; return the error and the storage. */
async function importLines(lines: readonly string[]) {
  const storage = await MemoryStorage.open();
  const error = await importSavepoint(storage, [lines.join('\n')]).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, storage };
}

describe('importSavepoint refuses malformed files', () => {
  it.each([
    ['an empty file', [], undefined, '$'],
    ['a header that is not JSON', ['{"format":'], 1, '$'],
    ['another format', [header({ format: 'x' }), entity(1)], 1, '$.format'],
    ['an extra header key', [header({ extra: 1 }), entity(1)], 1, '$.extra'],
    [
      'a date that is not the timestamp',
      [header({ date: '2020-01-01T00:00:00.000Z' }), entity(1)],
      1,
      '$.date',
    ],
    ['fewer entities than announced', [header({}, 2), entity(1)], 2, '$'],
    ['an unknown tag', [header(), entity({ $: 'Nope' })], 2, '$.state.$'],
    [
      'a bigint that is not an integer',
      [header(), entity({ $: 'bigint', value: '1.5' })],
      2,
      '$.state.value',
    ],
    [
      'a reference before its object',
      [header(), entity([{ $: 'ref', id: 1 }])],
      2,
      '$.state[0].id',
    ],
    [
      'ids out of order',
      [header(), entity([{ $: 'Set', id: 2, values: [] }])],
      2,
      '$.state[0].id',
    ],
    [
      'an Int8Array element out of range',
      [header(), entity({ $: 'Int8Array', values: [300] })],
      2,
      '$.state.values[0]',
    ],
    [
      'non-canonical base64',
      [header(), entity({ $: 'Buffer', base64: 'aGk' })],
      2,
      '$.state.base64',
    ],
    ['an untagged -0', [header(), '{"id":"e","state":[-0]}'], 2, '$.state[0]'],
    ['a missing key', [header(), entity({ $: 'Map' })], 2, '$.state.entries'],
    [
      'an extra key in a tag',
      [header(), entity({ $: 'undefined', x: 1 })],
      2,
      '$.state.x',
    ],
    ['a repeated entity id', [header({}, 2), entity(1), entity(2)], 3, '$.id'],
    ['an entity line that is not an object', [header(), '[1]'], 2, '$'],
  ])('%s', async (_name, lines, line, path) => {
    const { error, storage } = await importLines(lines);
    expect(error).toBeInstanceOf(RunStateError);
    const e = error as RunStateError;
    expect(e.code).toBe('E_INVALID_IMPORT');
    expect(e.details.path).toBe(path);
    expect(e.details.line).toBe(line);
    expect(e.message).toContain(path);
    expect(await storage.listRuns()).toEqual([]);
  });

  it('refuses a file of a newer format version with E_FORMAT_VERSION', async () => {
    const { error } = await importLines([
      header({ formatVersion: 2, newField: true }),
    ]);
    expect(error).toMatchObject({
      code: 'E_FORMAT_VERSION',
      details: { version: 2, supported: 1 },
    });
  });

  it('refuses bytes that are not UTF-8', async () => {
    const storage = await MemoryStorage.open();
    const bytes = Buffer.concat([
      Buffer.from(header() + '\n'),
      Buffer.from([0xff, 0xfe]),
    ]);
    const error = await thrown(importSavepoint(storage, [bytes]));
    expect(error).toMatchObject({ code: 'E_INVALID_IMPORT' });
  });

  it('writes nothing when the last line is bad (atomic)', async () => {
    const storage = await MemoryStorage.open();
    const lines = [
      header({}, 3),
      entity(1, 'a'),
      entity(2, 'b'),
      entity({ $: 'x' }, 'c'),
    ];
    const error = await thrown(importSavepoint(storage, [lines.join('\n')]));
    expect(error).toMatchObject({
      code: 'E_INVALID_IMPORT',
      details: { line: 4 },
    });
    expect(await storage.listRuns()).toEqual([]);
  });

  it('never overwrites a newer savepoint of the run (E_NOT_MONOTONIC)', async () => {
    const storage = await MemoryStorage.open();
    const entries = [['e', defaultCodec.encode('newer')] as const];
    await storage.writeSavepoint(
      'r',
      { timestamp: 5000, entries },
      { keep: 1 },
    );
    const error = await thrown(
      importSavepoint(storage, [[header(), entity('old')].join('\n')]),
    );
    expect(error).toMatchObject({ code: 'E_NOT_MONOTONIC' });
    expect(await storage.listSavepoints('r')).toEqual([5000]);
  });

  it('refuses metadata that is not plain JSON (storage records JSON only)', async () => {
    const { error, storage } = await importLines([
      header({ version: 3, metadata: { $: 'bigint', value: '1' } }),
      entity(1),
    ]);
    expect(error).toMatchObject({
      code: 'E_INVALID_IMPORT',
      details: { path: '$.metadata' },
    });
    expect(await storage.listRuns()).toEqual([]);
  });
});

describe('versions and metadata travel with the savepoint', () => {
  it('stores the version and metadata of the file, and exports them again byte for byte', async () => {
    const metadata = { build: '1.4.0', sha: 'abc123', flags: [1, true, null] };
    const first = JSON.stringify({
      format: 'runstate-savepoint',
      formatVersion: 1,
      runId: 'r',
      timestamp: 1000,
      date: '1970-01-01T00:00:01.000Z',
      version: 3,
      metadata,
      entities: 1,
    });
    const text = `${first}\n${entity({ n: 1 })}\n`;
    const storage = await MemoryStorage.open();
    await importSavepoint(storage, [text]);
    const stored = await storage.readSavepoint('r');
    expect(stored?.meta).toMatchObject({ version: 3, metadata });
    expect(stored?.meta?.writtenAt).toEqual(expect.any(Number));
    let again = '';
    for await (const line of exportSavepoint(storage, 'r')) again += line;
    expect(again).toBe(text);
  });
});

describe('__proto__ keys stay data', () => {
  it('decodes a "__proto__" key as an own property, never a prototype', () => {
    const value = decodeTagged(
      JSON.parse('{"__proto__":{"polluted":1}}'),
    ) as object;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses it as an object property on import, as the codec does', async () => {
    const { error, storage } = await importLines([
      header(),
      '{"id":"e","state":{"__proto__":{"polluted":1}}}',
    ]);
    expect(error).toMatchObject({
      code: 'E_INVALID_IMPORT',
      details: { line: 2 },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await storage.listRuns()).toEqual([]);
  });

  it('imports and re-exports it as a Map key', async () => {
    const line = entity({ $: 'Map', entries: [['__proto__', 1]] });
    const text = `${header()}\n${line}\n`;
    const storage = await MemoryStorage.open();
    await importSavepoint(storage, [text]);
    let again = '';
    for await (const l of exportSavepoint(storage, 'r')) again += l;
    expect(again).toBe(text);
  });
});

// Found by the fuzz soak (soak/fuzz-export-targets.ts): a null source or
// options, a non-storage or a bad codec crashed with engine errors
// ("Cannot read properties of null", "codec.decode is not a function"),
// and decodeTagged took a Map for an empty object and any path.
describe('argument checks', () => {
  const drain = async (lines: AsyncIterable<string>) => {
    for await (const _ of lines);
  };

  it('exportSavepoint names a bad storage, run id or option', async () => {
    const storage = new MemoryStorage();
    await storage.writeSavepoint(
      'r',
      { timestamp: 1, entries: [['a', defaultCodec.encode(1)]] },
      { keep: 1 },
    );
    await expect(drain(exportSavepoint({} as never, 'r'))).rejects.toThrow(
      /^storage must be/,
    );
    await expect(drain(exportSavepoint(storage, ''))).rejects.toThrow(
      RangeError,
    );
    await expect(
      drain(exportSavepoint(storage, 'r', null as never)),
    ).rejects.toThrow(/^options must be an object/);
    await expect(
      drain(exportSavepoint(storage, 'r', { at: -1 })),
    ).rejects.toThrow(/^options.at/);
    await expect(
      drain(exportSavepoint(storage, 'r', { codec: 8 as never })),
    ).rejects.toThrow(/^options.codec must be a codec/);
  });

  it('importSavepoint names a bad storage, source or option', async () => {
    const storage = new MemoryStorage();
    await expect(importSavepoint(null as never, [])).rejects.toThrow(
      /^storage must be/,
    );
    await expect(importSavepoint(storage, null as never)).rejects.toThrow(
      /^source must be an iterable/,
    );
    await expect(importSavepoint(storage, 5 as never)).rejects.toThrow(
      /^source must be an iterable/,
    );
    await expect(importSavepoint(storage, [], null as never)).rejects.toThrow(
      /^options must be an object/,
    );
    await expect(
      importSavepoint(storage, [], { codec: {} as never }),
    ).rejects.toThrow(/^options.codec/);
  });

  it('decodeTagged refuses non-JSON objects and a non-string path', () => {
    const e = (() => {
      try {
        decodeTagged(new Map());
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(RunStateError);
    expect((e as RunStateError).code).toBe('E_INVALID_IMPORT');
    expect(() => decodeTagged({ a: new Date(0) })).toThrow(/\$\.a/);
    expect(() => decodeTagged(1, 5 as never)).toThrow(/^path must be a string/);
  });
});
