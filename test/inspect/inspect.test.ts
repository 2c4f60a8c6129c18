import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  copyRuns,
  defaultCodec,
  diffSavepoints,
  diffValues,
  listQuarantinedSavepoints,
  restoreQuarantinedSavepoint,
  summarizeRuns,
  summarizeSavepoints,
  verifyStorage,
} from 'runstate';

const enc = (v: unknown) => defaultCodec.encode(v);

async function filled() {
  const storage = await MemoryStorage.open();
  const keep = { keep: 10 };
  await storage.writeSavepoint(
    'a',
    {
      timestamp: 1000,
      entries: [
        ['x', enc({ n: 1 })],
        ['y', enc([1])],
      ],
    },
    keep,
  );
  await storage.writeSavepoint(
    'a',
    {
      timestamp: 2000,
      entries: [
        ['x', enc({ n: 2 })],
        ['z', enc(new Map([[1, 'one']]))],
      ],
    },
    keep,
  );
  await storage.initRun('empty');
  return storage;
}

describe('diffValues', () => {
  it('names what was added, removed and changed, by path', () => {
    const before = {
      a: 1,
      b: [1],
      m: new Map([['k', 1]]),
      s: new Set([1]),
      'odd key': 0,
    };
    const after = { a: 2, b: [1, 2], m: new Map([['k', 2]]), s: new Set([2]) };
    expect(diffValues(before, after)).toEqual([
      { path: 'a', kind: 'changed', before: 1, after: 2 },
      { path: 'b[1]', kind: 'added', after: 2 },
      { path: 'm.get("k")', kind: 'changed', before: 1, after: 2 },
      { path: 's[Set member 1]', kind: 'removed', before: 1 },
      { path: 's[Set member 2]', kind: 'added', after: 2 },
      { path: '["odd key"]', kind: 'removed', before: 0 },
    ]);
  });

  it('is empty for equal states, including NaN, bigint and cycles', () => {
    const make = () => {
      const o: Record<string, unknown> = { n: NaN, b: 1n };
      o.self = o;
      return o;
    };
    expect(diffValues(make(), make())).toEqual([]);
  });

  it('reports a type change as one change with tagged values', () => {
    expect(diffValues({ a: 1n }, { a: '1' })).toEqual([
      {
        path: 'a',
        kind: 'changed',
        before: { $: 'bigint', value: '1' },
        after: '1',
      },
    ]);
  });
});

describe('diffSavepoints', () => {
  it('lists added, removed and changed entities, and one entity structurally', async () => {
    const diff = await diffSavepoints(await filled(), 'a', 1000, 2000, {
      entityId: 'x',
    });
    expect(diff).toEqual({
      runId: 'a',
      from: 1000,
      to: 2000,
      added: ['z'],
      removed: ['y'],
      changed: ['x'],
      unchanged: 0,
      entity: {
        id: 'x',
        changes: [{ path: 'n', kind: 'changed', before: 1, after: 2 }],
      },
    });
  });

  it('fails with E_NO_SAVEPOINT for a timestamp that is not live', async () => {
    await expect(
      diffSavepoints(await filled(), 'a', 1000, 1500),
    ).rejects.toMatchObject({ code: 'E_NO_SAVEPOINT' });
  });
});

describe('summaries', () => {
  it('summarizeRuns gives count, newest, version and size per run', async () => {
    const storage = await filled();
    const bytes =
      enc({ n: 2 }).byteLength + enc(new Map([[1, 'one']])).byteLength;
    expect(await summarizeRuns(storage)).toEqual([
      { runId: 'a', savepoints: 2, newest: 2000, version: 0, bytes },
      { runId: 'empty', savepoints: 0 },
    ]);
  });

  it('summarizeSavepoints lists each live savepoint oldest first', async () => {
    const list = await summarizeSavepoints(await filled(), 'a');
    expect(list.map((s) => [s.timestamp, s.entities, s.version])).toEqual([
      [1000, 2, 0],
      [2000, 2, 0],
    ]);
  });
});

describe('verifyStorage', () => {
  it('names run, timestamp, entity and reason of a corrupted state, and goes on', async () => {
    const storage = await filled();
    const bad = enc({ n: 3 });
    bad[bad.length - 1]! ^= 0xff;
    await storage.writeSavepoint(
      'b',
      {
        timestamp: 5,
        entries: [
          ['ok', enc(1)],
          ['bad', bad],
        ],
      },
      { keep: 1 },
    );
    const report = await verifyStorage(storage);
    expect(report.ok).toBe(false);
    expect(report.checked).toEqual({ runs: 3, savepoints: 3, entities: 6 });
    expect(report.failures).toEqual([
      {
        runId: 'b',
        timestamp: 5,
        entityId: 'bad',
        code: 'E_CORRUPTED',
        reason: expect.stringContaining('checksum') as string,
      },
    ]);
  });

  it('reports a run given by id that has no savepoint', async () => {
    const report = await verifyStorage(await filled(), { runIds: ['nope'] });
    expect(report.failures).toMatchObject([
      { runId: 'nope', code: 'E_NO_SAVEPOINT' },
    ]);
  });

  it('is ok for a sound storage', async () => {
    expect((await verifyStorage(await filled())).ok).toBe(true);
  });
});

describe('copyRuns', () => {
  it('copies every live savepoint and verifies the copy', async () => {
    const from = await filled();
    const to = await MemoryStorage.open();
    const seen: number[] = [];
    const report = await copyRuns(from, to, {
      onProgress: (p) => seen.push(p.done),
    });
    expect(report.ok).toBe(true);
    expect(seen).toEqual([1, 2]);
    expect(await to.listRuns()).toEqual(['a', 'empty']);
    expect(await to.listSavepoints('a')).toEqual([1000, 2000]);
    expect(await to.readSavepoint('a', 1000)).toEqual(
      await from.readSavepoint('a', 1000),
    );
  });

  it('never overwrites newer data in the target', async () => {
    const from = await filled();
    const to = await MemoryStorage.open();
    await to.writeSavepoint(
      'a',
      { timestamp: 1500, entries: [['x', enc('target')]] },
      { keep: 5 },
    );
    const report = await copyRuns(from, to, { runIds: ['a'] });
    expect(report.runs).toEqual([
      { runId: 'a', copied: [2000], skipped: [1000] },
    ]);
    expect(await to.listSavepoints('a')).toEqual([1500, 2000]);
    const kept = await to.readSavepoint('a', 1500);
    expect(defaultCodec.decode(kept!.entries[0]![1])).toBe('target');
  });

  it('fails with E_NO_SAVEPOINT for a run the source does not have', async () => {
    await expect(
      copyRuns(await filled(), await MemoryStorage.open(), {
        runIds: ['nope'],
      }),
    ).rejects.toMatchObject({ code: 'E_NO_SAVEPOINT' });
  });
});

// Found by the fuzz soak (soak/fuzz-tool-targets.ts): these crashed with
// engine errors ("storage.listRuns is not a function", "runIds is not
// iterable") or accepted nonsense instead of naming the bad argument.
describe('argument checks', () => {
  const notStorage = [null, 5, 'db', {}];

  it('refuses a non-storage with a TypeError naming it', async () => {
    for (const bad of notStorage) {
      const b = bad as never;
      await expect(summarizeRuns(b)).rejects.toThrow(/^storage must be/);
      await expect(summarizeSavepoints(b, 'a')).rejects.toThrow(
        /^storage must be/,
      );
      await expect(verifyStorage(b)).rejects.toThrow(/^storage must be/);
      await expect(diffSavepoints(b, 'a', 1000, 2000)).rejects.toThrow(
        /^storage must be/,
      );
      await expect(copyRuns(b, new MemoryStorage())).rejects.toThrow(
        /^from must be/,
      );
      await expect(copyRuns(new MemoryStorage(), b)).rejects.toThrow(
        /^to must be/,
      );
      await expect(listQuarantinedSavepoints(b, 'a')).rejects.toThrow(
        /^storage must be/,
      );
      await expect(restoreQuarantinedSavepoint(b, 'a', 1)).rejects.toThrow(
        /^storage must be/,
      );
    }
  });

  it('refuses bad options, naming them', async () => {
    const storage = await filled();
    const codec = { encode: 1 } as never;
    await expect(verifyStorage(storage, null as never)).rejects.toThrow(
      /^options must be an object/,
    );
    await expect(
      verifyStorage(storage, { runIds: 5 as never }),
    ).rejects.toThrow(/^options.runIds must be a list/);
    await expect(verifyStorage(storage, { runIds: [''] })).rejects.toThrow(
      RangeError,
    );
    await expect(verifyStorage(storage, { codec })).rejects.toThrow(
      /^options.codec must be a codec/,
    );
    await expect(
      diffSavepoints(storage, 'a', 1000, 2000, 'x' as never),
    ).rejects.toThrow(/^options must be an object/);
    await expect(
      diffSavepoints(storage, 'a', 1000, 2000, { entityId: '' }),
    ).rejects.toThrow(/^options.entityId/);
    await expect(
      diffSavepoints(storage, 'a', 1000, 2000, { codec }),
    ).rejects.toThrow(/^options.codec/);
    const to = new MemoryStorage();
    await expect(copyRuns(storage, to, false as never)).rejects.toThrow(
      /^options must be an object/,
    );
    await expect(
      copyRuns(storage, to, { runIds: null as never }),
    ).rejects.toThrow(/^options.runIds/);
    await expect(
      copyRuns(storage, to, { onProgress: 'x' as never }),
    ).rejects.toThrow(/^options.onProgress must be a function/);
    await expect(
      copyRuns(storage, to, { migrations: {} as never }),
    ).rejects.toThrow(/^options.migrations must be a chain/);
    await expect(copyRuns(storage, to, { codec })).rejects.toThrow(
      /^options.codec/,
    );
    expect(await to.listRuns()).toEqual([]); // nothing copied
  });
});
