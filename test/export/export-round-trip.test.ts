import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  decodeTagged,
  defaultCodec,
  encodeTagged,
  exportSavepoint,
  importSavepoint,
} from 'runstate';
import { storable } from './storable.js';

const schema = JSON.parse(
  readFileSync(
    new URL('../../docs/export-format.schema.json', import.meta.url),
    'utf8',
  ),
) as object;
const ajv = new Ajv2020({
  strict: true,
  allowUnionTypes: true,
  allErrors: true,
});
const validateLine = ajv.compile(schema);

/** The whole export of a run's newest savepoint, as text. */
async function exportText(storage: MemoryStorage, runId: string) {
  let text = '';
  for await (const line of exportSavepoint(storage, runId)) text += line;
  return text;
}

/** A storage holding one savepoint with `states` as its entities. */
async function storageWith(states: readonly unknown[], timestamp = 60_000) {
  const storage = await MemoryStorage.open();
  const entries = states.map(
    (s, i) => [`e${i}`, defaultCodec.encode(s)] as const,
  );
  await storage.writeSavepoint('run', { timestamp, entries }, { keep: 1 });
  return storage;
}

describe('exportSavepoint → importSavepoint', () => {
  it('export → import → export is byte-identical for any storable state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(storable, { maxLength: 3 }), async (states) => {
        const source = await storageWith(states);
        const first = await exportText(source, 'run');
        const target = await MemoryStorage.open();
        await importSavepoint(target, [first]);
        expect(await exportText(target, 'run')).toBe(first);
      }),
      { numRuns: 300 },
    );
  });

  it('writes lines that each validate against docs/export-format.schema.json', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(storable, { maxLength: 3 }), async (states) => {
        const text = await exportText(await storageWith(states), 'run');
        for (const line of text.trimEnd().split('\n')) {
          const ok = validateLine(JSON.parse(line));
          expect(validateLine.errors ?? []).toEqual([]);
          expect(ok).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('decodeTagged(encodeTagged(v)) equals what the codec stores', () => {
    fc.assert(
      fc.property(storable, (v) => {
        const stored = defaultCodec.decode(defaultCodec.encode(v));
        expect(decodeTagged(encodeTagged(stored))).toStrictEqual(stored);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps shared and cyclic references', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { shared, also: shared };
    cyclic.self = cyclic;
    const back = decodeTagged(encodeTagged(cyclic)) as typeof cyclic;
    expect(back.self).toBe(back);
    expect(back.shared).toBe(back.also);
  });

  it('splits the file into a header line and one line per entity, sorted by id', async () => {
    const storage = await MemoryStorage.open();
    const entries = ['b', 'a', 'c'].map(
      (id) => [id, defaultCodec.encode({ id })] as const,
    );
    await storage.writeSavepoint('r', { timestamp: 5, entries }, { keep: 1 });
    const lines = (await exportText(storage, 'r')).trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({
      format: 'runstate-savepoint',
      formatVersion: 1,
      runId: 'r',
      timestamp: 5,
      date: '1970-01-01T00:00:00.005Z',
      version: 0,
      entities: 3,
    });
    expect(
      lines.slice(1).map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(['a', 'b', 'c']);
  });
});
