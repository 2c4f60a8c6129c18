import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import type { Attributes, Meter } from '@opentelemetry/api';

/** An SDK MeterProvider read through the in-memory exporter on demand. */
export interface MetricsHarness {
  readonly meter: Meter;
  /** Flush, and return the newest export's metrics by name. */
  read(): Promise<Map<string, MetricData>>;
  shutdown(): Promise<void>;
}

/** A fresh provider whose metrics are read with {@link MetricsHarness.read}. */
export function metricsHarness(): MetricsHarness {
  const exporter = new InMemoryMetricExporter(
    AggregationTemporality.CUMULATIVE,
  );
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    meter: provider.getMeter('test'),
    async read() {
      exporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const resource of exporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) {
            byName.set(metric.descriptor.name, metric);
          }
        }
      }
      return byName;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The data point of `metric` whose attributes include `match`. */
export function point(
  metrics: Map<string, MetricData>,
  name: string,
  match: Attributes = {},
): DataPoint<unknown> | undefined {
  const metric = metrics.get(name);
  const points = (metric?.dataPoints ?? []) as DataPoint<unknown>[];
  return points.find((p) =>
    Object.entries(match).every(([k, v]) => p.attributes[k] === v),
  );
}

/** A number point's value. */
export function value(
  metrics: Map<string, MetricData>,
  name: string,
  match: Attributes = {},
): number | undefined {
  return point(metrics, name, match)?.value as number | undefined;
}

/** A histogram point's count and sum. */
export function histogram(
  metrics: Map<string, MetricData>,
  name: string,
  match: Attributes = {},
): { count: number; sum: number } | undefined {
  const found = point(metrics, name, match)?.value as Histogram | undefined;
  return found && { count: found.count, sum: found.sum ?? 0 };
}
