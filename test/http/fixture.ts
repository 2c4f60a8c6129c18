import {
  MemoryStorage,
  createStateStore,
  type Entity,
  type StorageAdapter,
} from '../../src/index.js';

export const MINUTE = 60_000;
export const T0 = Date.UTC(2026, 0, 1);

/**
 * A MemoryStorage holding run `orders` with savepoints at T0 + 1..3 minutes:
 * `totals` changes every minute, `sku-9` appears at minute 2, `old` is
 * dropped at minute 3 (an `update` cannot drop mid-run, so minute 3 is
 * written by a second store resumed without it).
 */
export async function ordersStorage(): Promise<StorageAdapter> {
  const storage = await MemoryStorage.open();
  const store = createStateStore({
    runId: 'orders',
    schedule: MINUTE,
    storage,
    keep: 10,
  });
  const [totals, old] = (await store.initRunState<unknown>(T0, [
    ['totals', new Map([['a', 1]])],
    ['old', { gone: true }],
  ])) as [Entity<unknown>, Entity<unknown>];
  totals
    .updateState(T0 + 1, new Map([['a', 2]]))
    .ackProcessedTime(T0 + MINUTE + 1);
  old.ackProcessedTime(T0 + MINUTE + 1);
  await store.flush();
  await store.close();
  const next = createStateStore({
    runId: 'orders',
    schedule: MINUTE,
    storage,
    keep: 10,
  });
  const loaded = await next.loadRunState((states) => [
    ...states,
    ['sku-9', [1, 2, 3]],
  ]);
  const [t2, o2, s2] = loaded.entities;
  t2!
    .updateState(T0 + MINUTE + 2, new Map([['a', 3]]))
    .ackProcessedTime(T0 + 2 * MINUTE + 1);
  o2!.ackProcessedTime(T0 + 2 * MINUTE + 1);
  s2!.ackProcessedTime(T0 + 2 * MINUTE + 1);
  await next.close();
  const last = createStateStore({
    runId: 'orders',
    schedule: MINUTE,
    storage,
    keep: 10,
  });
  const third = await last.loadRunState((states) =>
    states.filter(([id]) => id !== 'old'),
  );
  for (const e of third.entities) e.ackProcessedTime(T0 + 3 * MINUTE + 1);
  await last.close();
  return storage;
}
