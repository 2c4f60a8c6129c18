/**
 * Contract probes: the storage lease methods as docs/api.md (acquireLease,
 * renewLease, releaseLease, RunLease, LeaseInfo, listLeases, E_LOCKED,
 * E_FENCED) and docs/storage-adapters.md section 5 promise them, on every
 * built-in backend, through two instances over the same data where the
 * backend shares it between processes.
 */
import { describe, expect, it } from 'vitest';
import type { RunLease, StorageAdapter } from '../../src/index.js';
import { BACKENDS, sleep, sp, until } from './backends.js';

type Leasing = StorageAdapter &
  Required<
    Pick<StorageAdapter, 'acquireLease' | 'renewLease' | 'releaseLease'>
  >;

const LONG = 60_000;
const SHORT = 200;
const locked = { name: 'RunStateError', code: 'E_LOCKED' };
const fenced = { name: 'RunStateError', code: 'E_FENCED' };

/** Acquire for `owner`, retrying on E_LOCKED for up to `ms`. */
async function acquireWithin(
  s: Leasing,
  runId: string,
  owner: string,
  ms = 3_000,
): Promise<RunLease> {
  let lease: RunLease | undefined;
  await until(
    async () => {
      try {
        lease = await s.acquireLease(runId, { owner, ttlMs: LONG });
        return true;
      } catch (error) {
        if ((error as { code?: string }).code !== 'E_LOCKED') throw error;
        return false;
      }
    },
    ms,
    `lease of ${runId} for ${owner}`,
  );
  return lease!;
}

describe.each(BACKENDS)('leases on $name', (backend) => {
  const open = async (): Promise<[Leasing, Leasing]> => {
    const t = backend.create();
    const a = (await t.open()) as Leasing;
    const b = (await t.open()) as Leasing;
    return [a, b];
  };

  it.skipIf(backend.skip)(
    'has leases: true and the three methods',
    async () => {
      const [s] = await open();
      expect(s.leases).toBe(true);
      expect(typeof s.acquireLease).toBe('function');
      expect(typeof s.renewLease).toBe('function');
      expect(typeof s.releaseLease).toBe('function');
    },
  );

  it.skipIf(backend.skip)(
    'grants a free run a RunLease with a positive safe integer token',
    async () => {
      const [s] = await open();
      const lease = await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      expect(lease).toEqual({ runId: 'r', owner: 'a', token: lease.token });
      expect(Number.isSafeInteger(lease.token)).toBe(true);
      expect(lease.token).toBeGreaterThan(0);
    },
  );

  it.skipIf(backend.skip)(
    'renews for the same owner with the same token',
    async () => {
      const [s, other] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      const again = await other.acquireLease('r', { owner: 'a', ttlMs: LONG });
      expect(again.token).toBe(a.token);
    },
  );

  it.skipIf(backend.skip)(
    'E_LOCKED for another owner, details { runId, owner, expiresInMs }',
    async () => {
      const [s, other] = await open();
      await s.acquireLease('r', { owner: 'a', ttlMs: 5_000 });
      const error = await other
        .acquireLease('r', { owner: 'b', ttlMs: LONG })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        ...locked,
        details: { runId: 'r', owner: 'a' },
      });
      const { expiresInMs } = (error as { details: { expiresInMs: number } })
        .details;
      expect(expiresInMs).toBeGreaterThan(0);
      expect(expiresInMs).toBeLessThanOrEqual(5_000);
    },
  );

  it.skipIf(backend.skip)(
    'releaseLease frees the run at once for the next owner, with a greater token',
    async () => {
      const [s, other] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      await s.releaseLease(a);
      const b = await other.acquireLease('r', { owner: 'b', ttlMs: LONG });
      expect(b.token).toBeGreaterThan(a.token);
    },
  );

  it.skipIf(backend.skip)(
    'takes over an expired lease with a greater token',
    async () => {
      const [s, other] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: SHORT });
      const b = await acquireWithin(other, 'r', 'b');
      expect(b.token).toBeGreaterThan(a.token);
    },
  );

  it.skipIf(backend.skip)(
    'tokens outlive releaseLease and deleteRun',
    async () => {
      const [s] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      await s.writeSavepoint('r', sp(1), { keep: 2, lease: a });
      await s.releaseLease(a);
      await s.deleteRun('r');
      const b = await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      expect(b.token).toBeGreaterThan(a.token);
    },
  );

  it.skipIf(backend.skip)(
    'renewLease extends the lease past its first TTL',
    async () => {
      const [s, other] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: 400 });
      await sleep(250);
      await s.renewLease(a, 400);
      await sleep(250);
      await expect(
        other.acquireLease('r', { owner: 'b', ttlMs: LONG }),
      ).rejects.toMatchObject(locked);
    },
  );

  it.skipIf(backend.skip)(
    'renewLease of a lease taken over: E_FENCED with details { runId, owner, token, current }',
    async () => {
      const [s, other] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: SHORT });
      const b = await acquireWithin(other, 'r', 'b');
      await expect(s.renewLease(a, LONG)).rejects.toMatchObject({
        ...fenced,
        details: { runId: 'r', owner: 'a', token: a.token, current: b.token },
      });
    },
  );

  it.skipIf(backend.skip)(
    'renewLease of a released lease: E_FENCED',
    async () => {
      const [s] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      await s.releaseLease(a);
      await expect(s.renewLease(a, LONG)).rejects.toMatchObject(fenced);
    },
  );

  it.skipIf(backend.skip)(
    'releaseLease of a lease no longer current does nothing',
    async () => {
      const [s, other] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: SHORT });
      const b = await acquireWithin(other, 'r', 'b');
      await s.releaseLease(a);
      await expect(
        s.acquireLease('r', { owner: 'c', ttlMs: LONG }),
      ).rejects.toMatchObject({ ...locked, details: { owner: 'b' } });
      await other.writeSavepoint('r', sp(1), { keep: 2, lease: b });
      expect(await s.listSavepoints('r')).toEqual([1]);
    },
  );

  it.skipIf(backend.skip)(
    'a write fenced by a lease taken over: E_FENCED with details, nothing lands',
    async () => {
      const [s, other] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: SHORT });
      await s.writeSavepoint('r', sp(1), { keep: 1, lease: a });
      const b = await acquireWithin(other, 'r', 'b');
      await expect(
        s.writeSavepoint('r', sp(2), { keep: 1, lease: a }),
      ).rejects.toMatchObject({
        ...fenced,
        details: { runId: 'r', owner: 'a', token: a.token, current: b.token },
      });
      expect(await other.listSavepoints('r')).toEqual([1]);
    },
  );

  it.skipIf(backend.skip)(
    'a write fenced by a released lease: E_FENCED, nothing lands',
    async () => {
      const [s] = await open();
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      await s.releaseLease(a);
      await expect(
        s.writeSavepoint('r', sp(1), { keep: 1, lease: a }),
      ).rejects.toMatchObject({
        ...fenced,
        details: { runId: 'r', owner: 'a', token: a.token },
      });
      expect(await s.listSavepoints('r')).toEqual([]);
    },
  );

  it.skipIf(backend.skip)(
    'a write without a lease is not refused while another owner holds it',
    async () => {
      const [s, other] = await open();
      await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      await other.writeSavepoint('r', sp(1), { keep: 1 });
      expect(await s.listSavepoints('r')).toEqual([1]);
    },
  );

  it.skipIf(backend.skip)(
    'checks the request and the lease, naming the argument and value',
    async () => {
      const [s] = await open();
      await expect(
        s.acquireLease('r', { owner: 'a', ttlMs: 0 }),
      ).rejects.toThrow(/request\.ttlMs.*0/);
      await expect(
        s.acquireLease('r', { owner: 'a', ttlMs: 1.5 }),
      ).rejects.toThrow(/request\.ttlMs.*1\.5/);
      await expect(
        s.acquireLease('r', { owner: 7 as never, ttlMs: 1 }),
      ).rejects.toThrow(/request\.owner.*7/);
      await expect(s.acquireLease('r', null as never)).rejects.toThrow(
        TypeError,
      );
      const a = await s.acquireLease('r', { owner: 'a', ttlMs: LONG });
      await expect(s.renewLease(a, 0)).rejects.toThrow(/ttlMs.*0/);
      await expect(s.renewLease({ ...a, token: -1 }, LONG)).rejects.toThrow(
        /lease\.token.*-1/,
      );
      await expect(s.releaseLease(null as never)).rejects.toThrow(TypeError);
    },
  );

  it.skipIf(backend.skip)(
    'acquireLease on a read-only storage: E_READ_ONLY',
    async () => {
      const t = backend.create();
      await t.open();
      const reader = (await t.open({ readOnly: true })) as Leasing;
      await expect(
        reader.acquireLease('r', { owner: 'a', ttlMs: LONG }),
      ).rejects.toMatchObject({ name: 'RunStateError', code: 'E_READ_ONLY' });
    },
  );
});

describe.each(BACKENDS.filter((b) => b.name !== 'file'))(
  'listLeases on $name',
  (backend) => {
    it.skipIf(backend.skip)(
      'lists live leases by prefix, sorted, as LeaseInfo, without released or expired ones',
      async () => {
        const t = backend.create();
        const s = (await t.open()) as Leasing;
        const other = (await t.open()) as Leasing;
        const b = await s.acquireLease('p:b', { owner: 'y', ttlMs: LONG });
        const a = await other.acquireLease('p:a', { owner: 'x', ttlMs: 5_000 });
        await s.acquireLease('p:gone', { owner: 'z', ttlMs: 100 });
        const rel = await s.acquireLease('p:rel', { owner: 'z', ttlMs: LONG });
        await s.releaseLease(rel);
        await s.acquireLease('q', { owner: 'x', ttlMs: LONG });
        await sleep(200);
        const listed = await s.listLeases!('p:');
        expect(listed.map(({ expiresInMs: _, ...l }) => l)).toEqual([
          { runId: 'p:a', owner: 'x', token: a.token },
          { runId: 'p:b', owner: 'y', token: b.token },
        ]);
        expect(listed[0]!.expiresInMs).toBeGreaterThan(4_000);
        expect(listed[0]!.expiresInMs).toBeLessThanOrEqual(5_000);
        expect((await other.listLeases!()).map((l) => l.runId)).toEqual([
          'p:a',
          'p:b',
          'q',
        ]);
      },
    );

    it.skipIf(backend.skip)(
      'listLeases: TypeError for a prefix that is not a string',
      async () => {
        const s = await backend.create().open();
        await expect(s.listLeases!(7 as never)).rejects.toThrow(TypeError);
        await expect(s.listLeases!(7 as never)).rejects.toThrow(/prefix.*7/);
      },
    );

    it.skipIf(backend.skip)(
      'an acquired lease does not make its run id a run (listRuns)',
      async () => {
        const s = (await backend.create().open()) as Leasing;
        await s.acquireLease('leased-only', { owner: 'a', ttlMs: LONG });
        expect(await s.listRuns()).toEqual([]);
        expect(await s.isInitialized('leased-only')).toBe(false);
      },
    );
  },
);

describe('listLeases on file', () => {
  it('FileStorage has no listLeases', async () => {
    const s = await BACKENDS.find((b) => b.name === 'file')!
      .create()
      .open();
    expect('listLeases' in s && s.listLeases !== undefined).toBe(false);
  });
});
