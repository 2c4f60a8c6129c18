/**
 * Conformance: the `notifications` capability (`subscribeSavepoints`, what
 * `watchSavepoints` listens to). Its tests run exactly when the backend
 * declares it.
 */
import { expect, it } from 'vitest';
import type {
  SavepointNotice,
  SavepointSubscriber,
  StorageAdapter,
} from '../storage/index.js';
import {
  describeIf,
  savepoint,
  useFixture,
  type StorageCapabilities,
  type StorageFactory,
} from './fixture.js';

type Notifying = StorageAdapter &
  Required<Pick<StorageAdapter, 'subscribeSavepoints'>>;

function notifying(storage: StorageAdapter): Notifying {
  if (typeof storage.subscribeSavepoints !== 'function') {
    throw new Error(
      'the backend declares notifications, but its storage has no subscribeSavepoints()',
    );
  }
  return storage as Notifying;
}

/** A subscriber that records what it is told. */
function recorder() {
  const notices: SavepointNotice[] = [];
  const ended: Error[] = [];
  const subscriber: SavepointSubscriber = {
    notice: (n) => void notices.push(n),
    lost: () => undefined,
    resumed: () => undefined,
    ended: (error) => void ended.push(error),
  };
  return { notices, ended, subscriber };
}

/** Wait (up to 10 s) until `check` holds. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const settle = (): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, 200));

/** Register the notification tests. @internal */
export function describeNotifications(
  factory: StorageFactory,
  declared: StorageCapabilities,
): void {
  const reopen = declared.reopen === true;
  describeIf(declared.notifications, 'notifications', () => {
    const ctx = useFixture(factory);
    /**
     * Subscribe a recorder to the fixture's storage; `writer` is another
     * instance over the same data, when there is one (as another process).
     */
    const listen = async () => {
      const rec = recorder();
      const sub = await notifying(ctx().storage).subscribeSavepoints(
        rec.subscriber,
      );
      const writer = reopen ? await ctx().reopen() : ctx().storage;
      return { ...rec, sub, w: writer };
    };

    it('announces each committed savepoint once, in commit order per run, with its version', async () => {
      const { notices, sub, w } = await listen();
      for (const t of [10, 20, 30]) {
        await w.writeSavepoint('a', savepoint(t), { keep: 2 });
        const versioned = { ...savepoint(t), meta: { version: 3 } };
        await w.writeSavepoint('b', versioned, { keep: 2 });
      }
      await until(() => notices.length >= 6, 'six notices');
      await settle();
      const of = (runId: string) => notices.filter((n) => n.runId === runId);
      expect(of('a').map((n) => [n.timestamp, n.version])).toEqual([
        [10, 0],
        [20, 0],
        [30, 0],
      ]);
      expect(of('b').map((n) => [n.timestamp, n.version])).toEqual([
        [10, 3],
        [20, 3],
        [30, 3],
      ]);
      expect(notices).toHaveLength(6);
      await sub.close();
    });

    it('never announces a refused write', async () => {
      const { notices, sub, w } = await listen();
      await w.writeSavepoint('r', savepoint(20), { keep: 2 });
      await expect(
        w.writeSavepoint('r', savepoint(10), { keep: 2 }),
      ).rejects.toMatchObject({ code: 'E_NOT_MONOTONIC' });
      await w.writeSavepoint('r', savepoint(30), { keep: 2 });
      await until(() => notices.length >= 2, 'two notices');
      await settle();
      expect(notices.map((n) => n.timestamp)).toEqual([20, 30]);
      await sub.close();
    });

    it('stops announcing once the subscription is closed (idempotent close)', async () => {
      const { notices, sub, w } = await listen();
      await w.writeSavepoint('r', savepoint(10), { keep: 2 });
      await until(() => notices.length >= 1, 'a notice');
      await sub.close();
      await sub.close();
      await w.writeSavepoint('r', savepoint(20), { keep: 2 });
      await settle();
      expect(notices.map((n) => n.timestamp)).toEqual([10]);
    });

    it('ends open subscriptions when the storage closes: ended(E_CLOSED)', async () => {
      const { ended, subscriber } = recorder();
      const storage = notifying(ctx().storage);
      await storage.subscribeSavepoints(subscriber);
      await storage.close();
      expect(ended).toHaveLength(1);
      expect(ended[0]).toMatchObject({ code: 'E_CLOSED' });
    });
  });
}
