/**
 * Conformance: the `leases` capability (run leases with fencing tokens).
 * Its tests run exactly when the backend declares it.
 */
import { expect, it } from 'vitest';
import type { RunLease, StorageAdapter } from '../storage/index.js';
import {
  describeIf,
  plain,
  savepoint,
  useFixture,
  type StorageCapabilities,
  type StorageFactory,
} from './fixture.js';

/** The lease methods, which a backend declaring `leases` must have. */
type Leasing = Required<
  Pick<StorageAdapter, 'acquireLease' | 'renewLease' | 'releaseLease'>
> &
  StorageAdapter;

function leasing(storage: StorageAdapter): Leasing {
  if (
    storage.leases !== true ||
    typeof storage.acquireLease !== 'function' ||
    typeof storage.renewLease !== 'function' ||
    typeof storage.releaseLease !== 'function'
  ) {
    throw new Error(
      'the backend declares leases, but its storage lacks leases: true or a lease method',
    );
  }
  return storage as Leasing;
}

const SHORT_MS = 150;
const LONG_MS = 60_000;

/** Acquire for `owner`, retrying on `E_LOCKED` until `withinMs` passed. */
async function acquireWithin(
  storage: Leasing,
  runId: string,
  owner: string,
  withinMs: number,
): Promise<RunLease> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await storage.acquireLease(runId, { owner, ttlMs: LONG_MS });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'E_LOCKED') throw error;
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const fenced = { name: 'RunStateError', code: 'E_FENCED' };
const locked = { name: 'RunStateError', code: 'E_LOCKED' };

/** Register the lease tests. @internal */
export function describeLeases(
  factory: StorageFactory,
  declared: StorageCapabilities,
): void {
  const reopen = declared.reopen === true;
  const listing = declared.listLeases === true;
  describeIf(declared.leases, 'leases', () => {
    const ctx = useFixture(factory);
    const storage = (): Leasing => leasing(ctx().storage);

    it.skipIf(!reopen)(
      'shares leases between instances over the same data (with reopen)',
      async () => {
        const s = storage();
        const other = leasing(await ctx().reopen());
        const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG_MS });
        await expect(
          other.acquireLease('r', { owner: 'b', ttlMs: LONG_MS }),
        ).rejects.toMatchObject(locked);
        await s.releaseLease(a);
        const b = await other.acquireLease('r', { owner: 'b', ttlMs: LONG_MS });
        expect(b.token).toBeGreaterThan(a.token);
        await expect(
          s.writeSavepoint('r', savepoint(1), { keep: 5, lease: a }),
        ).rejects.toMatchObject(fenced);
        await other.writeSavepoint('r', savepoint(2), { keep: 5, lease: b });
        expect(await s.listSavepoints('r')).toEqual([2]);
      },
    );

    it('grants a free run with a positive token, and renews for its owner', async () => {
      const s = storage();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG_MS });
      expect(a).toMatchObject({ runId: 'r', owner: 'a' });
      expect(a.token).toBeGreaterThan(0);
      const again = await s.acquireLease('r', { owner: 'a', ttlMs: LONG_MS });
      expect(again.token).toBe(a.token);
    });

    it('refuses a live lease to another owner with E_LOCKED, naming the holder', async () => {
      const s = storage();
      await s.acquireLease('r', { owner: 'a', ttlMs: LONG_MS });
      await expect(
        s.acquireLease('r', { owner: 'b', ttlMs: LONG_MS }),
      ).rejects.toMatchObject({
        ...locked,
        details: { runId: 'r', owner: 'a' },
      });
      // Another run is free.
      await expect(
        s.acquireLease('other', { owner: 'b', ttlMs: LONG_MS }),
      ).resolves.toMatchObject({ owner: 'b' });
    });

    it('hands a released lease to the next owner with a greater token', async () => {
      const s = storage();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG_MS });
      await s.releaseLease(a);
      const b = await s.acquireLease('r', { owner: 'b', ttlMs: LONG_MS });
      expect(b.token).toBeGreaterThan(a.token);
    });

    it('lets another owner take over an expired lease, with a greater token', async () => {
      const s = storage();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: SHORT_MS });
      const b = await acquireWithin(s, 'r', 'b', SHORT_MS + 5_000);
      expect(b.token).toBeGreaterThan(a.token);
    });

    it('fences the old holder: its write is refused and nothing of it lands', async () => {
      const s = storage();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: SHORT_MS });
      await s.writeSavepoint('r', savepoint(1), { keep: 5, lease: a });
      const b = await acquireWithin(s, 'r', 'b', SHORT_MS + 5_000);
      await expect(
        s.writeSavepoint('r', savepoint(2), { keep: 5, lease: a }),
      ).rejects.toMatchObject({ ...fenced, details: { runId: 'r' } });
      expect(await s.listSavepoints('r')).toEqual([1]);
      await s.writeSavepoint('r', savepoint(3), { keep: 5, lease: b });
      expect(await s.listSavepoints('r')).toEqual([1, 3]);
      expect(plain(await s.readSavepoint('r'))).toEqual([['a', [3]]]);
    });

    it('refuses to renew a lease taken over, with E_FENCED', async () => {
      const s = storage();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: SHORT_MS });
      await acquireWithin(s, 'r', 'b', SHORT_MS + 5_000);
      await expect(s.renewLease(a, LONG_MS)).rejects.toMatchObject(fenced);
    });

    it('keeps a renewed lease from expiring', async () => {
      const s = storage();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG_MS });
      await s.renewLease(a, LONG_MS);
      await expect(
        s.acquireLease('r', { owner: 'b', ttlMs: LONG_MS }),
      ).rejects.toMatchObject(locked);
      await s.writeSavepoint('r', savepoint(1), { keep: 5, lease: a });
      expect(await s.listSavepoints('r')).toEqual([1]);
    });

    it('ignores the release of a lease that is no longer current', async () => {
      const s = storage();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: SHORT_MS });
      await acquireWithin(s, 'r', 'b', SHORT_MS + 5_000);
      await s.releaseLease(a);
      await expect(
        s.acquireLease('r', { owner: 'c', ttlMs: LONG_MS }),
      ).rejects.toMatchObject({ ...locked, details: { owner: 'b' } });
    });

    it('refuses a write fenced by a released lease', async () => {
      const s = storage();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG_MS });
      await s.releaseLease(a);
      await expect(
        s.writeSavepoint('r', savepoint(1), { keep: 5, lease: a }),
      ).rejects.toMatchObject(fenced);
      expect(await s.listSavepoints('r')).toEqual([]);
    });

    it('checks the lease arguments, naming them', async () => {
      const s = storage();
      await expect(
        s.acquireLease('r', { owner: '', ttlMs: 1 }),
      ).rejects.toThrow(/request\.owner/);
      await expect(
        s.acquireLease('r', { owner: 'a', ttlMs: 0 }),
      ).rejects.toThrow(RangeError);
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG_MS });
      await expect(
        s.writeSavepoint('other', savepoint(1), { keep: 1, lease: a }),
      ).rejects.toThrow(RangeError);
      await expect(s.renewLease({ ...a, token: 0 }, LONG_MS)).rejects.toThrow(
        /lease\.token/,
      );
    });

    it.skipIf(!listing)(
      'lists the live leases by prefix, sorted, without expired or released ones (with listLeases)',
      async () => {
        const s = storage();
        if (typeof s.listLeases !== 'function') {
          throw new Error(
            'the backend declares listLeases, but has no listLeases()',
          );
        }
        const w1 = await s.acquireLease('w:1', { owner: 'x', ttlMs: LONG_MS });
        await s.acquireLease('w:0', { owner: 'y', ttlMs: LONG_MS });
        await s.acquireLease('w:gone', { owner: 'z', ttlMs: SHORT_MS });
        const released = await s.acquireLease('w:2', { owner: 'x', ttlMs: 1 });
        await s.releaseLease(released);
        await s.acquireLease('other', { owner: 'x', ttlMs: LONG_MS });
        await new Promise((resolve) => setTimeout(resolve, SHORT_MS + 50));
        const listed = await s.listLeases('w:');
        expect(listed.map((l) => [l.runId, l.owner, l.token])).toEqual([
          ['w:0', 'y', expect.any(Number)],
          ['w:1', 'x', w1.token],
        ]);
        for (const l of listed) {
          expect(l.expiresInMs).toBeGreaterThan(0);
          expect(l.expiresInMs).toBeLessThanOrEqual(LONG_MS);
        }
        expect((await s.listLeases()).map((l) => l.runId)).toEqual([
          'other',
          'w:0',
          'w:1',
        ]);
        await expect(s.listLeases(7 as never)).rejects.toThrow(TypeError);
      },
    );
  });
}
