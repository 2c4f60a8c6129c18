/**
 * Child process of `workers-process.test.ts`. Not a test file.
 *
 * Usage: worker-child.ts <backend> <target> <group> <ttlMs> <delayMs>
 *
 * Starts a worker over the model's runs (`worker-model.ts`), each run's
 * input yielding a message every `<delayMs>` ms and then waiting (a live
 * stream). Prints one JSON line per event, synchronously (complete even
 * before a SIGKILL): `{ e: 'up' }`, `{ e: 'claim', r, token }`,
 * `{ e: 'release', r, why }`, `{ e: 'persist', r, ts }`; each with `at`
 * (epoch ms). SIGTERM stops the worker cleanly (`{ e: 'stopped' }`).
 */
import { writeSync } from 'node:fs';
import { startWorker } from 'runstate';
import { backendNamed } from '../../lease/process/lease-backends.js';
import {
  SCHEDULE,
  initial,
  messagesOf,
  reduce,
  runIds,
  type Msg,
} from './worker-model.js';

const [backend, target, group, ttl, delay] = process.argv.slice(2);
if (delay === undefined) {
  throw new Error(
    'usage: worker-child.ts <backend> <target> <group> <ttlMs> <delayMs>',
  );
}
const say = (line: Record<string, unknown>): void =>
  void writeSync(1, `${JSON.stringify({ ...line, at: Date.now() })}\n`);

async function* live(
  messages: readonly Msg[],
  signal: AbortSignal,
): AsyncGenerator<Msg> {
  for (const m of messages) {
    await new Promise((resolve) => setTimeout(resolve, Number(delay)));
    if (signal.aborted) return;
    yield m;
  }
  await new Promise((resolve) =>
    signal.addEventListener('abort', resolve, { once: true }),
  );
}

const storage = await backendNamed(backend!).open(target!);
const ttlMs = Number(ttl);
const worker = startWorker<Msg>({
  storage,
  group: group!,
  runs: runIds(),
  lease: { ttlMs, renewEveryMs: Math.floor(ttlMs / 3) },
  rebalanceEveryMs: 300,
  run: (runId) => ({
    schedule: SCHEDULE,
    startFrom: 0,
    keep: 2,
    entities: { fold: { initial, reduce } },
    input: (from, { signal }) =>
      live(
        messagesOf(runId).filter((m) => m.timestamp >= from),
        signal,
      ),
    onPersisted: ({ timestamp }) =>
      say({ e: 'persist', r: runId, ts: timestamp }),
  }),
  onClaimed: ({ runId, token }) => say({ e: 'claim', r: runId, token }),
  onReleased: ({ runId, reason, error }) =>
    say({ e: 'release', r: runId, why: reason, error: error?.message }),
});
say({ e: 'up', id: worker.id });
// Diagnostics: the worker's state on SIGUSR2.
process.on('SIGUSR2', () => {
  const status = worker.status();
  const dump = (worker as unknown as { debug?: () => unknown }).debug?.();
  process.stderr.write(`${JSON.stringify({ status, dump })}\n`);
});
process.on('SIGTERM', () => {
  void (async () => {
    await worker.stop();
    say({ e: 'stopped' });
    await storage.close();
    process.exit(0);
  })();
});
