/**
 * The processor script 06-crash-test.ts proves crash-safe: a supervised run
 * (`startRun`) keeping each customer's order total on SQLite, and emitting
 * an alert whenever a customer's total passes another 10 000. Started (and
 * killed) by the crash harness, which tells it through `crashTestChild()`
 * where its storage goes and which seed its input comes from. Not meant to
 * be run by hand.
 */
import { startRun, type EntityContext } from 'runstate';
import { SqliteStorage } from 'runstate/sqlite';
import { crashTestChild } from 'runstate/testing';

interface Order {
  readonly timestamp: number;
  readonly customer: string;
  readonly amount: number;
}

const child = crashTestChild(); // the harness may kill us from here on

/** The same orders in every child: derived from the seed only. */
function* orders(from: number): Generator<Order> {
  for (let i = Math.ceil(from / 10); i < 150_000; i++) {
    const x = Math.imul(i + 1, 0x9e3779b1) ^ child.seed;
    yield {
      timestamp: i * 10,
      customer: `c${(x >>> 4) % 5}`,
      amount: (x >>> 9) % 500,
    };
  }
}

type Totals = Record<string, number>;

const storage = await SqliteStorage.open({ path: child.path('orders.db') });
const run = startRun<Order>({
  runId: 'orders',
  storage,
  schedule: 1_000,
  startFrom: 0,
  entities: {
    totals: {
      initial: {} as Totals,
      reduce: (totals: Totals, o: Order, ctx: EntityContext) => {
        const before = totals[o.customer] ?? 0;
        const after = before + o.amount;
        if (Math.floor(after / 10_000) > Math.floor(before / 10_000)) {
          ctx.emit({ customer: o.customer, passed: after });
        }
        totals[o.customer] = after;
        return totals;
      },
    },
  },
  input: orders,
  output: child.output, // recorded for the harness's comparison
});
child.finish((await run.done).states);
await storage.close();
