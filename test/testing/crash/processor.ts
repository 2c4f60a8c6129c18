/**
 * A processor script for the crash harness tests (`crash-test.test.ts`):
 * a supervised run of two reducers over a SQLite file in the harness's
 * directory, its input derived from the harness's seed. Not a test file.
 *
 * Environment: `MESSAGES` (default 200 000); `BUG=skip-on-resume` makes it
 * lose messages after a restart, so the harness must catch it.
 */
import { startRun, type EntityContext } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import { crashTestChild } from 'runstate/testing';

interface Trade {
  readonly timestamp: number;
  readonly account: string;
  readonly amount: number;
}

const child = crashTestChild();
const count = Number(process.env.MESSAGES ?? 200_000);

/** Every message from `from` on; the same for one seed, in every child. */
function* trades(from: number): Generator<Trade> {
  const skip = process.env.BUG === 'skip-on-resume' && child.attempt > 0;
  for (let i = Math.ceil(from / 10); i < count; i++) {
    if (skip && i % 97 === 0) continue;
    const x = Math.imul(i + 1, 0x9e3779b1) ^ child.seed;
    yield {
      timestamp: i * 10,
      account: `acct-${(x >>> 3) % 7}`,
      amount: (x >>> 8) % 1_000,
    };
  }
}

const storage = await SqliteStorage.open({ path: child.path('run.db') });
const run = startRun<Trade>({
  runId: 'trades',
  storage,
  schedule: 1_000,
  startFrom: 0,
  entities: {
    balances: {
      initial: {} as Record<string, number>,
      reduce: (state: Record<string, number>, m: Trade) => {
        state[m.account] = (state[m.account] ?? 0) + m.amount;
        return state;
      },
    },
    large: (count: number | undefined, m: Trade, ctx: EntityContext) => {
      if (m.amount > 990) ctx.emit({ account: m.account, at: m.timestamp });
      return (count ?? 0) + (m.amount > 990 ? 1 : 0);
    },
  },
  input: trades,
  output: child.output,
});
child.finish((await run.done).states);
await storage.close();
