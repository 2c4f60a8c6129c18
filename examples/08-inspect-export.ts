/**
 * 08-inspect-export: look into stored state without writing a processor:
 * summarise runs, diff two savepoints, verify every blob, export a
 * savepoint to NDJSON and import it into another backend, all with the
 * library functions the `runstate` command is built on; then run the
 * command itself (`runCli`, what `npx runstate runs URL` does).
 *
 * Prerequisites: `npm install`. No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/08-inspect-export.ts`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MemoryStorage,
  defaultCodec,
  diffSavepoints,
  exportSavepoint,
  importSavepoint,
  summarizeRuns,
  verifyStorage,
} from 'runstate';
import { openStorageUrl, runCli } from 'runstate/cli';

const dir = mkdtempSync(join(tmpdir(), 'runstate-example-05-'));
const url = `sqlite:${join(dir, 'state.sqlite')}`;
try {
  // Some stored state: two savepoints of run "orders" (normally written by a StateStore).
  {
    await using storage = await openStorageUrl(url);
    for (const [timestamp, apples] of [
      [60_000, 2],
      [120_000, 5],
    ] as const) {
      const totals = new Map<string, number>([
        ['apple', apples],
        ['pear', 1],
      ]);
      const entries = [['totals', defaultCodec.encode(totals)]] as const;
      await storage.writeSavepoint(
        'orders',
        { timestamp, entries },
        { keep: 5 },
      );
    }
  }

  await using storage = await openStorageUrl(url, { readOnly: true });
  const [run] = await summarizeRuns(storage);
  console.log(
    `run ${run?.runId}: ${run?.savepoints} savepoints, newest ${run?.newest}`,
  );

  const diff = await diffSavepoints(storage, 'orders', 60_000, 120_000, {
    entityId: 'totals',
  });
  console.log(
    'changed:',
    diff.entity?.changes.map(
      (c) =>
        `${c.path} ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}`,
    ),
  );

  const report = await verifyStorage(storage);
  console.log(
    `verify: ${report.ok ? 'ok' : 'FAILED'}, ${report.checked.entities} states read`,
  );

  // Export the newest savepoint as NDJSON and import it elsewhere.
  let text = '';
  for await (const line of exportSavepoint(storage, 'orders')) text += line;
  const memory = await MemoryStorage.open();
  await importSavepoint(memory, [text], { runId: 'orders-copy' });
  let again = '';
  for await (const line of exportSavepoint(memory, 'orders-copy'))
    again += line;
  console.log(text.split('\n')[1]);

  // The command line, in-process.
  const code = await runCli(['runs', url]);
  const same =
    again === text.replace('"runId":"orders"', '"runId":"orders-copy"');
  console.log(
    same && report.ok && code === 0
      ? '✓ inspected, verified, exported and re-imported unchanged'
      : '✗ unexpected result',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
