/**
 * Run leases between real processes, on every backend with a server (and
 * SQLite): an owner killed with SIGKILL is replaced within its TTL + 1 s;
 * an owner stopped (SIGSTOP) past its TTL is taken over, and once it runs
 * again (SIGCONT) it is fenced: none of its savepoints lands after the
 * takeover, as the stored history shows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultCodec } from '../../../src/index.js';
import { BACKENDS, type LeaseBackend } from './lease-backends.js';
import { count, startOwner, type Owner } from './owner-process.js';

const TTL_MS = 1_000;
const RUN = 'lease-run';
/** Child start-up (tsx) on a busy machine. */
const START_MS = 60_000;

const owners: Owner[] = [];
const removals: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const owner of owners.splice(0)) {
    owner.child.kill('SIGCONT');
    owner.child.kill('SIGKILL');
    await owner.exited;
  }
  for (const remove of removals.splice(0)) await remove();
});

function owner(backend: LeaseBackend, target: string, tag: string): Owner {
  const started = startOwner(backend.name, target, RUN, TTL_MS, tag);
  owners.push(started);
  return started;
}

async function must<T>(value: Promise<T | undefined>, what: string) {
  const found = await value;
  if (found === undefined) throw new Error(`timed out waiting for ${what}`);
  return found;
}

/** A running owner `A` with 3 savepoints, and `B` waiting for the run. */
async function ownerAndContender(backend: LeaseBackend) {
  const { target, remove } = backend.create();
  removals.push(remove);
  const a = owner(backend, target, 'A');
  await must(
    a.next(() => count(a, 'persisted') >= 3, START_MS),
    'A to persist',
  );
  const b = owner(backend, target, 'B');
  await must(
    b.next((e) => e.event === 'opened', START_MS),
    'B to open',
  );
  // B is now retrying its lease (E_LOCKED) every TTL / 10.
  await new Promise((resolve) => setTimeout(resolve, TTL_MS / 2));
  expect(count(b, 'acquired')).toBe(0);
  return { target, a, b };
}

/**
 * SIGSTOP `a` until `b` takes its run over. A stop that lands inside a
 * write transaction holds a lock a takeover needs (SQLite's write lock
 * until SIGCONT; Postgres's row locks until the server ends the stalled
 * transaction): then `a` is let go on and stopped again later.
 */
async function stopUntilTakenOver(a: Owner, b: Owner) {
  for (let attempt = 1; attempt <= 10; attempt++) {
    a.child.kill('SIGSTOP');
    const acquired = await b.next(
      (e) => e.event === 'acquired',
      TTL_MS + 5_000,
    );
    if (acquired !== undefined) return acquired;
    console.log(`A was stopped mid-write (attempt ${attempt}); again`);
    a.child.kill('SIGCONT');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('B never took over while A was stopped');
}

/** The tags of the run's stored savepoints, oldest first. */
async function history(backend: LeaseBackend, target: string) {
  const storage = await backend.open(target);
  try {
    const tags: string[] = [];
    for (const ts of await storage.listSavepoints(RUN)) {
      const sp = await storage.readSavepoint(RUN, ts);
      const [, bytes] = sp!.entries[0]!;
      tags.push((defaultCodec.decode(bytes) as { tag: string }).tag);
    }
    return tags.join('');
  } finally {
    await storage.close();
  }
}

describe.each(BACKENDS)('run leases between processes on $name', (backend) => {
  it.skipIf(backend.skip !== undefined)(
    'hands the run of an owner killed with SIGKILL to another within TTL + 1 s',
    async () => {
      const { target, a, b } = await ownerAndContender(backend);
      const killedAt = Date.now();
      a.child.kill('SIGKILL');
      const acquired = await must(
        b.next((e) => e.event === 'acquired', TTL_MS + 10_000),
        'B to take over',
      );
      const took = acquired.at - killedAt;
      console.log(
        `${backend.name}: SIGKILLed owner replaced after ${took} ms (TTL ${TTL_MS} ms)`,
      );
      expect(took).toBeLessThanOrEqual(TTL_MS + 1_000);
      // B resumed from A's newest savepoint, and writes on.
      const newestOfA = Math.max(
        ...a.events.filter((e) => e.event === 'persisted').map((e) => e.ts!),
      );
      expect(acquired).toMatchObject({ resumed: true });
      expect(acquired.from).toBeGreaterThanOrEqual(newestOfA);
      const persisted = count(b, 'persisted');
      await must(
        b.next(() => count(b, 'persisted') >= persisted + 3, 10_000),
        'B to persist',
      );
      expect(await history(backend, target)).toMatch(/^A+B+$/);
    },
    120_000,
  );

  it.skipIf(backend.skip !== undefined)(
    'fences an owner stopped past its TTL: after SIGCONT none of its savepoints lands',
    async () => {
      const { target, a, b } = await ownerAndContender(backend);
      const acquired = await stopUntilTakenOver(a, b);
      const persisted = count(b, 'persisted');
      await must(
        b.next(() => count(b, 'persisted') >= persisted + 3, 30_000),
        'B to persist',
      );
      a.child.kill('SIGCONT');
      // (A write cut off by the server while A was stopped may fail first
      // with E_STORAGE; the next one meets the fence.)
      await must(
        a.next((e) => e.code === 'E_FENCED', 30_000),
        'A to be fenced',
      );
      expect(await a.exited).toBe('0');
      // What A saw persisted (some writes commit just before the takeover
      // and are reported after SIGCONT) is older than all of B's.
      const firstOfB = Math.min(
        ...b.events.filter((e) => e.event === 'persisted').map((e) => e.ts!),
      );
      const tsOfA = a.events.filter((e) => e.event === 'persisted');
      expect(tsOfA.filter((e) => e.ts! >= firstOfB)).toEqual([]);
      expect(acquired.from).toBeGreaterThanOrEqual(
        Math.max(...tsOfA.map((e) => e.ts!)),
      );
      const persistedAgain = count(b, 'persisted');
      await must(
        b.next(() => count(b, 'persisted') >= persistedAgain + 3, 10_000),
        'B to persist on',
      );
      // The stored history: A's savepoints, then B's, never A's again.
      expect(await history(backend, target)).toMatch(/^A+B+$/);
    },
    120_000,
  );
});
