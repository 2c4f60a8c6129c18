import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryStorage,
  createStateStore,
  defaultCodec,
  type Entity,
  type MetricsRecorder,
} from '../../src/index.js';
import { otelMetrics } from '../../src/otel/index.js';
import { captureLogger } from '../actors/state-store/helpers.js';
import {
  histogram,
  metricsHarness,
  value,
  type MetricsHarness,
} from './otel-harness.js';

const MINUTE = 60_000;
let harness: MetricsHarness;
afterEach(() => harness?.shutdown());

/** Ack every entity past savepoint `k` (minutes), completing it. */
function ackAll(entities: Entity<unknown>[], k: number): Entity<unknown>[] {
  return entities.map((e) => e.ackProcessedTime(k * MINUTE + 1));
}

async function storeWithMetrics(runIdAttribute: boolean, runId = 'orders') {
  harness = metricsHarness();
  const storage = await MemoryStorage.open();
  const metrics = otelMetrics({ meter: harness.meter, runIdAttribute });
  const store = createStateStore({
    runId,
    schedule: MINUTE,
    storage,
    metrics,
    keep: 5,
  });
  return { storage, metrics, store };
}

describe('otelMetrics() with a StateStore', () => {
  it('records persist duration, size and entities per savepoint', async () => {
    const { store } = await storeWithMetrics(true);
    let entities: Entity<unknown>[] = await store.initRunState<unknown>(0, [
      ['a', { n: 1 }],
      ['b', 'x'.repeat(100)],
    ]);
    for (let k = 1; k <= 3; k++) entities = ackAll(entities, k);
    await store.flush();
    const bytes =
      defaultCodec.encode({ n: 1 }).byteLength +
      defaultCodec.encode('x'.repeat(100)).byteLength;
    const m = await harness.read();
    const run = { 'runstate.run.id': 'orders' };
    const duration = histogram(m, 'runstate.savepoint.persist.duration', run);
    expect(duration?.count).toBe(3);
    expect(m.get('runstate.savepoint.persist.duration')?.descriptor.unit).toBe(
      's',
    );
    expect(histogram(m, 'runstate.savepoint.size', run)).toEqual({
      count: 3,
      sum: 3 * bytes,
    });
    expect(histogram(m, 'runstate.savepoint.entities', run)).toEqual({
      count: 3,
      sum: 6,
    });
    expect(
      value(m, 'runstate.savepoints', {
        ...run,
        'runstate.savepoint.outcome': 'persisted',
      }),
    ).toBe(3);
    await store.close();
  });

  it('reports open savepoints, the oldest one’s age and the recovery point', async () => {
    const { store } = await storeWithMetrics(true);
    const [a, b] = await store.initRunState(0, [
      ['a', 0],
      ['b', 0],
    ]);
    // Savepoint 1 completes; a runs ahead to minute 4, holding 2..4 open on b.
    const a2 = a!.ackProcessedTime(MINUTE + 1);
    b!.ackProcessedTime(MINUTE + 1);
    await store.flush();
    a2.ackProcessedTime(4 * MINUTE + 1);
    await store.flush();
    const m = await harness.read();
    const run = { 'runstate.run.id': 'orders' };
    expect(value(m, 'runstate.savepoint.open.count', run)).toBe(3);
    expect(value(m, 'runstate.savepoint.open.oldest.age', run)).toBe(120);
    expect(value(m, 'runstate.recovery_point.age', run)).toBe(180);
    await store.close();
  });

  it('keeps counting a closed store’s savepoints (counters never go back)', async () => {
    const { store } = await storeWithMetrics(false);
    let entities: Entity<unknown>[] = await store.initRunState(0, [['a', 0]]);
    for (let k = 1; k <= 2; k++) entities = ackAll(entities, k);
    await store.close();
    const m = await harness.read();
    const persisted = { 'runstate.savepoint.outcome': 'persisted' };
    expect(value(m, 'runstate.savepoints', persisted)).toBe(2);
    expect(value(m, 'runstate.savepoint.open.count')).toBe(0);
  });

  it('sums every store of the process without run ids by default', async () => {
    const { storage, metrics, store } = await storeWithMetrics(false, 'r1');
    const other = createStateStore({
      runId: 'r2',
      schedule: MINUTE,
      storage,
      metrics,
    });
    for (const s of [store, other]) {
      const [e] = await s.initRunState(0, [['a', 0]]);
      e!.ackProcessedTime(MINUTE + 1);
      await s.flush();
    }
    const m = await harness.read();
    const points = m.get('runstate.savepoints')?.dataPoints ?? [];
    expect(points.every((p) => !('runstate.run.id' in p.attributes))).toBe(
      true,
    );
    expect(
      value(m, 'runstate.savepoints', {
        'runstate.savepoint.outcome': 'persisted',
      }),
    ).toBe(2);
    await Promise.all([store.close(), other.close()]);
  });

  it('records load duration and corrupted savepoints skipped', async () => {
    const { storage, metrics } = await storeWithMetrics(true);
    const first = createStateStore({
      runId: 'orders',
      schedule: MINUTE,
      storage,
    });
    const [e] = await first.initRunState(0, [['a', 1]]);
    e!.ackProcessedTime(MINUTE + 1);
    await first.close();
    const junk = new Uint8Array([1, 2, 3]);
    const entries: [string, Uint8Array][] = [['a', junk]];
    await storage.writeSavepoint(
      'orders',
      { timestamp: 2 * MINUTE, entries },
      { keep: 5 },
    );
    const store = createStateStore({
      runId: 'orders',
      schedule: MINUTE,
      storage,
      metrics,
    });
    const loaded = await store.loadRunState();
    expect(loaded.timestamp).toBe(MINUTE);
    const m = await harness.read();
    const run = { 'runstate.run.id': 'orders' };
    expect(histogram(m, 'runstate.savepoint.load.duration', run)?.count).toBe(
      1,
    );
    expect(value(m, 'runstate.savepoint.corrupted', run)).toBe(1);
    await store.close();
  });

  it('logs and ignores a recorder that throws', async () => {
    const { logger, lines } = captureLogger();
    const boom = (): never => {
      throw new Error('recorder broke');
    };
    const metrics: MetricsRecorder = {
      attach: boom,
      persisted: boom,
      loaded: boom,
      restarted: boom,
      replayed: boom,
    };
    const storage = await MemoryStorage.open();
    const persisted: number[] = [];
    const store = createStateStore({
      runId: 'r',
      schedule: MINUTE,
      storage,
      metrics,
      logger,
      onPersisted: (info) => persisted.push(info.timestamp),
    });
    const [e] = await store.initRunState(0, [['a', 0]]);
    e!.ackProcessedTime(MINUTE + 1);
    await store.close();
    expect(persisted).toEqual([MINUTE]);
    expect(
      lines.filter((l) => l.level === 'error').map((l) => l.message),
    ).toEqual([
      'metrics.attach threw; ignored',
      'metrics.persisted threw; ignored',
    ]);
  });
});

describe('otelMetrics() options', () => {
  it('refuses a meter that is not one, naming the option', () => {
    expect(() => otelMetrics({ meter: {} as never })).toThrow(
      /options\.meter must be an OpenTelemetry Meter/,
    );
    expect(() => otelMetrics({ runIdAttribute: 'yes' as never })).toThrow(
      TypeError,
    );
  });

  it('refuses a metrics option that is not a recorder', async () => {
    const storage = await MemoryStorage.open();
    expect(() =>
      createStateStore({
        runId: 'r',
        schedule: MINUTE,
        storage,
        metrics: {} as never,
      }),
    ).toThrow(TypeError);
  });
});
