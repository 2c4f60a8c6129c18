/**
 * Ids with a lone UTF-16 surrogate are refused everywhere an id is accepted
 * (issue 11, defect 1): no backend can store them faithfully, so they are a
 * `TypeError` naming the argument up front, on every path.
 */
import { describe, expect, it } from 'vitest';
import {
  Entity,
  MemoryStorage,
  createEntityIndex,
  createSavepoint,
  createStateStore,
  defaultCodec,
  encodeEntityState,
  loadNewestSavepoint,
  silentLogger,
  startRun,
  type EntityStore,
} from '../src/index.js';

/** Lone high, lone low, and a pair in the wrong order. */
const LONE = ['run-\ud800', '\udc00-run', 'x\ude80\ud83d'];
const store: EntityStore = { save: () => undefined };

describe('ids with a lone surrogate', () => {
  it.each(LONE)('Entity.create refuses %j, naming "id"', (id) => {
    expect(() => Entity.create(store, id, 1_000, 0, 0)).toThrow(TypeError);
    expect(() => Entity.create(store, id, 1_000, 0, 0)).toThrow(
      /^id must be well-formed Unicode.*lone UTF-16 surrogate at index \d+/,
    );
  });

  it('names the index of the surrogate and shows it escaped', () => {
    expect(() => createEntityIndex(['ok', 'ab\udfffc'])).toThrow(
      'entity id must be well-formed Unicode, got a lone UTF-16 surrogate at index 2 in "ab\\udfffc"',
    );
  });

  it.each(LONE)('createSavepoint and createEntityIndex refuse %j', (id) => {
    expect(() => createSavepoint(0, ['a', id])).toThrow(TypeError);
    expect(() => createEntityIndex([id])).toThrow(/entity id/);
  });

  it.each(LONE)('encodeEntityState refuses %j, naming entityId', (id) => {
    expect(() => encodeEntityState(defaultCodec, id, 1)).toThrow(TypeError);
    expect(() => encodeEntityState(defaultCodec, id, 1)).toThrow(/entityId/);
  });

  it.each(LONE)('createStateStore refuses the runId %j', async (id) => {
    const storage = await MemoryStorage.open();
    expect(() =>
      createStateStore({ runId: id, storage, schedule: 1_000 }),
    ).toThrow(/^runId must be well-formed Unicode/);
  });

  it.each(LONE)('initRunState refuses the entity id %j', async (id) => {
    const storage = await MemoryStorage.open();
    const s = createStateStore({ runId: 'r', storage, schedule: 1_000 });
    await expect(s.initRunState(0, [[id, 0]])).rejects.toThrow(
      /entityDefs\[0\]\[0\] must be well-formed Unicode/,
    );
    expect(await storage.listRuns()).toEqual([]);
    await s.close();
  });

  it.each(LONE)('startRun refuses the runId %j', async (id) => {
    const storage = await MemoryStorage.open();
    expect(() =>
      startRun({
        runId: id,
        storage,
        schedule: 1_000,
        startFrom: 0,
        entities: { a: { initial: 0, reduce: (n: number) => n } },
        input: () => [],
      }),
    ).toThrow(/options\.runId must be well-formed Unicode/);
  });

  it.each(LONE)('startRun refuses the entity id %j', async (id) => {
    const storage = await MemoryStorage.open();
    expect(() =>
      startRun({
        runId: 'r',
        storage,
        schedule: 1_000,
        startFrom: 0,
        entities: { [id]: { initial: 0, reduce: (n: number) => n } },
        input: () => [],
      }),
    ).toThrow(/^entity id must be well-formed Unicode/);
  });

  it.each(LONE)('loadNewestSavepoint refuses the runId %j', async (id) => {
    const storage = await MemoryStorage.open();
    await expect(
      loadNewestSavepoint(storage, defaultCodec, id, silentLogger),
    ).rejects.toThrow(/runId must be well-formed Unicode/);
  });

  it('accepts well-formed ids, astral characters (surrogate pairs) included', async () => {
    const storage = await MemoryStorage.open();
    const id = '🚀\u{10FFFF}𝄞';
    expect(Entity.create(store, id, 1_000, 0, 0).id).toBe(id);
    await storage.initRun(id);
    expect(await storage.listRuns()).toEqual([id]);
  });
});
