/**
 * 11-observability: metrics through OpenTelemetry and the read-only admin
 * API. A supervised run of two reducer entities records its metrics with
 * `otelMetrics()` on an OpenTelemetry SDK `MeterProvider` (the application
 * owns the SDK; the library only uses `@opentelemetry/api`). While the run
 * waits for more input, `createAdminServer` serves its storage and live
 * status on 127.0.0.1 (with a second, hand-driven StateStore whose entity
 * `slow` lags): the example fetches the runs, the live status with the
 * entity holding a savepoint back, a savepoint's entities and one
 * entity's state, as a dashboard or the inspector page would. Then the run
 * ends and the metrics are read, the way a Prometheus scrape reads them.
 *
 * Prerequisites: `npm install` (fastify, @fastify/swagger,
 * @opentelemetry/api and @opentelemetry/sdk-metrics are dev dependencies
 * here; in your application, install them yourself). No server needed.
 * Run: `npx tsx --conditions=runstate-source examples/11-observability.ts`
 */
import {
  MeterProvider,
  MetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { MemoryStorage, createStateStore, startRun } from 'runstate';
import { createAdminServer } from 'runstate/http';
import { otelMetrics } from 'runstate/otel';

interface Sale {
  readonly timestamp: number;
  readonly shop: string;
  readonly amount: number;
}

/** A reader the application pulls from, as a Prometheus exporter does. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const reader = new PullReader();
const provider = new MeterProvider({ readers: [reader] });
const metrics = otelMetrics({ meter: provider.getMeter('shop') });

const SALES = 5_000; // one every 100 ms of event time: 500 s of sales
let release: () => void = () => undefined;
const more = new Promise<void>((resolve) => (release = resolve));

/** The sales from `from` on; then it waits for `more` before ending. */
async function* salesFrom(from: number): AsyncGenerator<Sale> {
  for (let i = Math.ceil(from / 100); i < SALES; i++) {
    yield { timestamp: i * 100, shop: `shop-${i % 3}`, amount: i % 17 };
  }
  await more;
}

const storage = await MemoryStorage.open();
let written = 0; // savepoints persisted, counted by onPersisted
const run = startRun<Sale>({
  runId: 'sales',
  storage,
  schedule: 60_000, // a savepoint every minute of event time
  startFrom: 0,
  entities: {
    revenue: {
      initial: {} as Record<string, number>,
      reduce: (state: Record<string, number>, sale: Sale) => {
        state[sale.shop] = (state[sale.shop] ?? 0) + sale.amount;
        return state;
      },
    },
    count: { initial: 0, reduce: (n: number) => n + 1 },
  },
  input: salesFrom,
  metrics,
  onPersisted: () => void written++,
});

// Wait until the run has written a savepoint and read all the sales.
while (run.status().lastProcessed !== (SALES - 1) * 100) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}

// A StateStore driven by hand, whose entity `slow` lags behind `fast`: the
// savepoints past `slow`'s time stay open, and the live status names it.
const imports = createStateStore({
  runId: 'imports',
  schedule: 60_000,
  storage,
});
const [fast] = await imports.initRunState(0, [
  ['fast', 0],
  ['slow', 0],
]);
fast!.ackProcessedTime(180_001);
await imports.flush();

await using server = createAdminServer({ storage, runs: [run, imports] });
const base = await server.listen({ port: 0 }); // 127.0.0.1, a free port
const get = async <T>(path: string): Promise<T> =>
  (await (await fetch(`${base}${path}`)).json()) as T;

const { runs } = await get<{ runs: { runId: string; savepoints: number }[] }>(
  '/api/runs',
);
console.log(
  'runs:',
  runs.map((r) => `${r.runId} (${r.savepoints})`),
);
const live = await get<{
  runs: { runId: string; open: { timestamp: number; missing: string[] }[] }[];
}>('/api/live');
for (const { runId, open } of live.runs) {
  for (const { timestamp, missing } of open) {
    console.log(`${runId}: open savepoint ${timestamp} waits for`, missing);
  }
}
const held = live.runs.find((r) => r.runId === 'imports')?.open[0]?.missing;
if (held?.[0] !== 'slow') throw new Error('expected slow to hold it back');
const { savepoints } = await get<{ savepoints: { timestamp: number }[] }>(
  '/api/runs/sales/savepoints',
);
const newest = savepoints.at(-1)!.timestamp;
const entities = await get<{ entities: { id: string; bytes: number }[] }>(
  `/api/runs/sales/savepoints/${newest}`,
);
console.log(`savepoint ${newest}:`, entities.entities);
const revenue = await get<Record<string, number>>(
  `/api/runs/sales/savepoints/${newest}/entities/revenue`,
);
console.log('revenue at that savepoint:', revenue);
if (Object.keys(revenue).length !== 3) throw new Error('expected 3 shops');
console.log('✓ the admin API serves the run, its savepoints and states');

release(); // the input ends: the run persists its last savepoint
await run.done;
await server.close();

const { resourceMetrics } = await reader.collect();
const byName = new Map<string, MetricData>(
  resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .map((metric) => [metric.descriptor.name, metric]),
);
const point = (name: string, outcome?: string) =>
  byName
    .get(name)
    ?.dataPoints.find(
      (p) =>
        outcome === undefined ||
        p.attributes['runstate.savepoint.outcome'] === outcome,
    )?.value;
const persisted = point('runstate.savepoints', 'persisted');
const writes = point('runstate.savepoint.persist.duration') as
  { count: number; sum: number } | undefined;
console.log(
  `runstate.savepoints{outcome=persisted} = ${persisted as number},`,
  `persist.duration: ${writes?.count} writes, ${((writes?.sum ?? 0) * 1000).toFixed(1)} ms in all`,
);
if (persisted !== written || writes?.count !== written) {
  throw new Error('the metrics disagree with the run’s counters');
}
console.log('✓ the metrics count every savepoint the run persisted');

await imports.close();
await provider.shutdown();
await storage.close();
