/**
 * Child process of `lease-process.test.ts`. Not a test file.
 *
 * Usage: lease-owner-child.ts <backend> <target> <run id> <ttlMs> <tag>
 *
 * Opens the backend's target, takes run `<run id>` with a StateStore
 * (lease TTL `<ttlMs>`, waiting for it as long as needed), resumes it or
 * starts it, then every 15 ms saves the one entity `w` as `{ tag, n }` at
 * the wall-clock time (schedule 10 ms, every savepoint kept). Prints one
 * JSON line per event, synchronously (complete even before a SIGKILL):
 * `{ event: 'opened', at }` (the storage is open, the lease next),
 * `{ event: 'acquired', at, resumed, from }`, `{ event: 'persisted', ts, at }`,
 * `{ event: 'error', code, at }`. After `E_FENCED` it closes and exits 0.
 */
import { writeSync } from 'node:fs';
import {
  createStateStore,
  resumeOrStart,
  type Entity,
  type RunStateError,
} from 'runstate';
import { backendNamed } from './lease-backends.js';

const [backend, target, runId, ttl, tag] = process.argv.slice(2);
if (tag === undefined) {
  throw new Error(
    'usage: lease-owner-child.ts <backend> <target> <run id> <ttlMs> <tag>',
  );
}
const say = (line: Record<string, unknown>): void =>
  void writeSync(1, `${JSON.stringify({ ...line, at: Date.now() })}\n`);

interface W {
  readonly tag: string;
  readonly n: number;
}

const storage = await backendNamed(backend!).open(target!);
say({ event: 'opened' });
let fenced: RunStateError | undefined;
const store = createStateStore({
  runId: runId!,
  schedule: 10,
  storage,
  keep: 1_000_000,
  lease: { ttlMs: Number(ttl), waitMs: 600_000 },
  onError: (error) => {
    say({ event: 'error', code: error.code });
    if (error.code === 'E_FENCED') fenced ??= error;
  },
  onPersisted: ({ timestamp }) => say({ event: 'persisted', ts: timestamp }),
});
const start = await resumeOrStart<W>(store, {
  startFrom: Date.now(),
  entities: [['w', { tag: tag, n: 0 }]],
});
say({ event: 'acquired', resumed: start.resumed, from: start.timestamp });
let w = start.entities[0] as Entity<W>;
let last = start.timestamp;
while (fenced === undefined) {
  await new Promise((resolve) => setTimeout(resolve, 15));
  const ts = Math.max(Date.now(), last + 1);
  last = ts;
  w = w.updateState(ts, { tag: tag, n: w.state.n + 1 }).ackProcessedTime(ts);
}
await store.close();
await storage.close();
process.exit(0);
