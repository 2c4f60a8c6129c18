// The JavaScript twin of processor.ts, for the harness's .js path: the same
// contract, one reducer. Not a test file.
import { startRun } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import { crashTestChild } from 'runstate/testing';

const child = crashTestChild();

function* input(from) {
  for (let i = Math.ceil(from / 10); i < 100_000; i++) {
    yield { timestamp: i * 10, n: (i * 31 + child.seed) % 17 };
  }
}

const storage = await SqliteStorage.open({ path: child.path('run.db') });
const run = startRun({
  runId: 'js',
  storage,
  schedule: 1_000,
  startFrom: 0,
  entities: {
    total: (sum, m, ctx) => {
      if (m.n === 16 && m.timestamp % 1_000 === 0) ctx.emit(sum);
      return (sum ?? 0) + m.n;
    },
  },
  input,
  output: child.output,
});
child.finish((await run.done).states);
await storage.close();
