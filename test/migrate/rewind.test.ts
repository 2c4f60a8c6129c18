import { describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  defaultCodec,
  resumeOrStart,
  startRun,
} from '../../src/index.js';

/** A run with savepoints at 60, 120, 180 holding `{ n: ts }`. */
async function threeSavepoints(): Promise<MemoryStorage> {
  const storage = await MemoryStorage.open();
  for (const ts of [60, 120, 180]) {
    await storage.writeSavepoint(
      'r',
      { timestamp: ts, entries: [['e', defaultCodec.encode({ n: ts })]] },
      { keep: 5 },
    );
  }
  return storage;
}

describe('loadRunState({ at }): rewind', () => {
  it('loads the older savepoint and quarantines the newer ones, so the run persists past them', async () => {
    const storage = await threeSavepoints();
    await using store = createStateStore({
      runId: 'r',
      schedule: 60,
      storage,
      keep: 5,
    });
    const loaded = await store.loadRunState({ at: 60 });
    expect(loaded.timestamp).toBe(60);
    expect(loaded.entities[0]?.state).toEqual({ n: 60 });
    expect(loaded.rewound).toEqual([180, 120]);
    expect(await storage.listSavepoints('r')).toEqual([60]);
    // Persisting at 120 again works: the old 120 is out of the way.
    loaded.entities[0]!.updateState(61, { n: 'new' }).ackProcessedTime(121);
    await store.flush();
    expect(await storage.listSavepoints('r')).toEqual([60, 120]);
    const again = await storage.readSavepoint('r', 120);
    expect(defaultCodec.decode(again!.entries[0]![1])).toEqual({ n: 'new' });
  });

  it('refuses a timestamp that is not a live savepoint, moving nothing', async () => {
    const storage = await threeSavepoints();
    await using store = createStateStore({ runId: 'r', schedule: 60, storage });
    await expect(store.loadRunState({ at: 90 })).rejects.toMatchObject({
      code: 'E_NO_SAVEPOINT',
      details: { at: 90, live: [60, 120, 180] },
    });
    await using other = createStateStore({ runId: 'r', schedule: 60, storage });
    await expect(
      resumeOrStart(other, { startFrom: 0, entities: [], at: 90 }),
    ).rejects.toMatchObject({ code: 'E_NO_SAVEPOINT' });
    expect(await storage.listSavepoints('r')).toEqual([60, 120, 180]);
  });

  it('is a no-op rewind at the newest savepoint', async () => {
    const storage = await threeSavepoints();
    await using store = createStateStore({ runId: 'r', schedule: 60, storage });
    const loaded = await store.loadRunState({ at: 180 });
    expect([loaded.timestamp, loaded.rewound]).toEqual([180, []]);
  });

  it('rewinds the first attempt of startRun only', async () => {
    const storage = await threeSavepoints();
    const seen: number[] = [];
    const run = startRun({
      runId: 'r',
      storage,
      schedule: 60,
      startFrom: 0,
      at: 60,
      keep: 5,
      entities: { e: { initial: { n: 0 }, reduce: (s: { n: unknown }) => s } },
      input: (from) => {
        seen.push(from);
        return [];
      },
    });
    await run.done;
    expect(seen).toEqual([60]);
    expect(await storage.listSavepoints('r')).toEqual([60]);
  });
});
