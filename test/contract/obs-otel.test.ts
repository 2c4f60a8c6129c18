/**
 * Contract probes of docs/observability.md "The metrics" and api.md
 * "otelMetrics(options?)": every metric's name, instrument, unit and
 * attributes, the default meter, the options' checks.
 */
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoreProbeStatus } from 'runstate';
import { otelMetrics } from 'runstate/otel';
import { metricsHarness, type MetricsHarness } from '../otel/otel-harness.js';

let harness: MetricsHarness | undefined;
afterEach(async () => {
  await harness?.shutdown();
  harness = undefined;
});

const probe =
  (over: Partial<StoreProbeStatus> = {}) =>
  (): StoreProbeStatus => ({
    latestCollected: 60_000,
    newestPersisted: 120_000,
    open: [{ timestamp: 180_000 }, { timestamp: 240_000 }],
    counters: { persisted: 2, failed: 1, superseded: 0, discarded: 0 },
    ...over,
  });

/** Drive a recorder through every call once. */
function record(runIdAttribute: boolean) {
  harness = metricsHarness();
  const recorder = otelMetrics({ meter: harness.meter, runIdAttribute });
  const detach = recorder.attach('orders', probe());
  recorder.persisted({
    runId: 'orders',
    timestamp: 120_000,
    entities: 3,
    bytes: 2048,
    durationMs: 12,
  });
  recorder.loaded({
    runId: 'orders',
    timestamp: 60_000,
    entities: 3,
    corrupted: 2,
    durationMs: 5,
  });
  recorder.restarted({ runId: 'orders', code: 'E_STORAGE' });
  recorder.replayed('orders', 7);
  return { recorder, detach, harness };
}

/** name, kind of instrument (counters are monotonic sums), unit. */
const TABLE = [
  ['runstate.savepoint.persist.duration', 'histogram', 's'],
  ['runstate.savepoint.size', 'histogram', 'By'],
  ['runstate.savepoint.entities', 'histogram', '{entity}'],
  ['runstate.savepoints', 'counter', '{savepoint}'],
  ['runstate.savepoint.open.count', 'up-down counter', '{savepoint}'],
  ['runstate.savepoint.open.oldest.age', 'gauge', 's'],
  ['runstate.recovery_point.age', 'gauge', 's'],
  ['runstate.savepoint.load.duration', 'histogram', 's'],
  ['runstate.savepoint.corrupted', 'counter', '{savepoint}'],
  ['runstate.run.restarts', 'counter', '{restart}'],
  ['runstate.run.replayed', 'counter', '{message}'],
] as const;

/** The kind of instrument an exported metric came from. */
function kindOf(metric: MetricData | undefined): string | undefined {
  switch (metric?.dataPointType) {
    case DataPointType.HISTOGRAM:
      return 'histogram';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'up-down counter';
    default:
      return undefined;
  }
}

describe('otelMetrics: the documented metrics', () => {
  for (const [name, type, unit] of TABLE) {
    it(`${name}: ${type}, unit ${unit}`, async () => {
      const { harness: h } = record(false);
      const metric = (await h.read()).get(name);
      expect(kindOf(metric)).toBe(type);
      expect(metric?.descriptor.unit).toBe(unit);
    });
  }

  it('values: durations and ages in seconds, counts as given', async () => {
    const m = await record(false).harness.read();
    const sum = (name: string) =>
      (m.get(name)?.dataPoints[0]?.value as { sum: number }).sum;
    expect(sum('runstate.savepoint.persist.duration')).toBeCloseTo(0.012);
    expect(sum('runstate.savepoint.load.duration')).toBeCloseTo(0.005);
    expect(sum('runstate.savepoint.size')).toBe(2048);
    expect(sum('runstate.savepoint.entities')).toBe(3);
    const one = (name: string) => m.get(name)?.dataPoints[0]?.value;
    expect(one('runstate.savepoint.corrupted')).toBe(2);
    expect(one('runstate.run.replayed')).toBe(7);
    expect(one('runstate.savepoint.open.count')).toBe(2);
    // newest reached: 240 000 (open); oldest open 180 000; persisted 120 000
    expect(one('runstate.savepoint.open.oldest.age')).toBe(60);
    expect(one('runstate.recovery_point.age')).toBe(120);
  });

  it('runstate.savepoints carries runstate.savepoint.outcome: persisted, failed, superseded, discarded', async () => {
    const m = await record(false).harness.read();
    const points = m.get('runstate.savepoints')?.dataPoints ?? [];
    const byOutcome: Record<string, unknown> = Object.fromEntries(
      points.map((p): [string, unknown] => [
        String(p.attributes['runstate.savepoint.outcome']),
        p.value,
      ]),
    );
    expect(byOutcome).toEqual({
      persisted: 2,
      failed: 1,
      superseded: 0,
      discarded: 0,
    });
  });

  it('runstate.run.restarts carries error.type, the failure’s code', async () => {
    const m = await record(false).harness.read();
    const point = m.get('runstate.run.restarts')?.dataPoints[0];
    expect(point?.attributes).toEqual({ 'error.type': 'E_STORAGE' });
  });

  it('no run id by default; runIdAttribute: true adds runstate.run.id to every series', async () => {
    const without = await record(false).harness.read();
    for (const metric of without.values()) {
      for (const p of metric.dataPoints) {
        expect(p.attributes, metric.descriptor.name).not.toHaveProperty(
          'runstate.run.id',
        );
      }
    }
    await harness?.shutdown();
    const withId = await record(true).harness.read();
    expect(withId.size).toBe(TABLE.length);
    for (const metric of withId.values()) {
      for (const p of metric.dataPoints) {
        expect(p.attributes['runstate.run.id'], metric.descriptor.name).toBe(
          'orders',
        );
      }
    }
  });

  it('without run ids, every store adds up into one series per metric; gauges take the maximum', async () => {
    harness = metricsHarness();
    const recorder = otelMetrics({ meter: harness.meter });
    recorder.attach('a', probe());
    recorder.attach(
      'b',
      probe({
        latestCollected: 0,
        newestPersisted: 0,
        open: [{ timestamp: 60_000 }],
        counters: { persisted: 5, failed: 0, superseded: 1, discarded: 0 },
      }),
    );
    const m = await harness.read();
    const points = (name: string) => m.get(name)?.dataPoints ?? [];
    expect(points('runstate.savepoint.open.count').map((p) => p.value)).toEqual(
      [3],
    );
    const persisted = points('runstate.savepoints').find(
      (p) => p.attributes['runstate.savepoint.outcome'] === 'persisted',
    );
    expect(persisted?.value).toBe(7);
    // a: oldest open 180 000, reached 240 000 → 60 s; b: 60 000 → 0 s
    expect(
      points('runstate.savepoint.open.oldest.age').map((p) => p.value),
    ).toEqual([60]);
    // a: 240 000 - 120 000 → 120 s; b: 60 000 - 0 → 60 s
    expect(points('runstate.recovery_point.age').map((p) => p.value)).toEqual([
      120,
    ]);
  });

  it('open age is absent while nothing is open; recovery age until something was persisted or loaded', async () => {
    harness = metricsHarness();
    const recorder = otelMetrics({ meter: harness.meter });
    recorder.attach('r', probe({ open: [], newestPersisted: undefined }));
    const m = await harness.read();
    expect(
      m.get('runstate.savepoint.open.oldest.age')?.dataPoints ?? [],
    ).toEqual([]);
    expect(m.get('runstate.recovery_point.age')?.dataPoints ?? []).toEqual([]);
  });

  it('a closed store’s outcome counts stay in the totals; its gauges go', async () => {
    const { detach, harness: h } = record(false);
    detach();
    const m = await h.read();
    const persisted = m
      .get('runstate.savepoints')
      ?.dataPoints.find(
        (p) => p.attributes['runstate.savepoint.outcome'] === 'persisted',
      );
    expect(persisted?.value).toBe(2);
  });
});

describe('otelMetrics: default meter and options', () => {
  it('without meter, instruments are on the global provider’s meter named runstate', async () => {
    const exporter = new InMemoryMetricExporter(
      AggregationTemporality.CUMULATIVE,
    );
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({ readers: [reader] });
    expect(metrics.setGlobalMeterProvider(provider)).toBe(true);
    try {
      const recorder = otelMetrics();
      recorder.replayed('r', 1);
      await reader.forceFlush();
      const scopes = exporter.getMetrics().flatMap((r) => r.scopeMetrics);
      expect(scopes.map((s) => s.scope.name)).toContain('runstate');
    } finally {
      metrics.disable();
      await provider.shutdown();
    }
  });

  it('bad options are TypeErrors naming them', () => {
    expect(() => otelMetrics(5 as never)).toThrow(/options/);
    expect(() => otelMetrics({ meter: {} as never })).toThrow(TypeError);
    expect(() => otelMetrics({ meter: {} as never })).toThrow(/options\.meter/);
    expect(() => otelMetrics({ runIdAttribute: 'yes' as never })).toThrow(
      /options\.runIdAttribute.*"yes"/,
    );
  });

  it('a recorder with no provider registered works as a no-op', () => {
    const recorder = otelMetrics();
    expect(() => recorder.attach('r', probe())()).not.toThrow();
    expect(() => recorder.replayed('r', 3)).not.toThrow();
  });
});
