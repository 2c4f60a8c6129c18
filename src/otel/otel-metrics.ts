import { metrics, type Attributes, type Meter } from '@opentelemetry/api';
import type {
  LoadMeasurement,
  MetricsRecorder,
  PersistMeasurement,
  RestartMeasurement,
  StoreProbeStatus,
} from '../metrics/index.js';
import {
  OUTCOMES,
  addStatus,
  groupOf,
  zeroTotals,
  type Group,
  type Totals,
} from './otel-groups.js';
import { createInstruments, type Instruments } from './otel-instruments.js';
import { checkOtelOptions, type OtelMetricsOptions } from './otel-options.js';

/**
 * Record runstate's metrics through OpenTelemetry's API: pass the result as
 * the `metrics` option of `createStateStore` or `startRun` (one recorder
 * serves every store and run of a process).
 *
 * @remarks
 * Only `@opentelemetry/api` is used (an optional peer dependency); register
 * an SDK `MeterProvider` in your application to export the metrics. Without
 * a `meter` option the global provider's meter named `runstate` is used.
 * The metrics, their units and attributes are listed in
 * `docs/observability.md`. Run ids become the `runstate.run.id` attribute
 * only with `runIdAttribute: true` (one series per run: mind cardinality).
 *
 * @example
 * ```ts
 * import { otelMetrics } from 'runstate/otel';
 * const metrics = otelMetrics({ runIdAttribute: true });
 * const store = createStateStore({ runId: 'orders', schedule, storage, metrics });
 * ```
 * @param options - the meter, and whether to label series by run id
 * @throws `TypeError` naming a bad option
 */
export function otelMetrics(options: OtelMetricsOptions = {}): MetricsRecorder {
  const config = checkOtelOptions(options);
  return new OtelRecorder(
    config.meter ?? metrics.getMeter('runstate'),
    config.runIdAttribute ?? false,
  );
}

interface Live {
  readonly runId: string;
  readonly probe: () => StoreProbeStatus;
}

/** The OpenTelemetry {@link MetricsRecorder}. */
class OtelRecorder implements MetricsRecorder {
  readonly #instruments: Instruments;
  readonly #perRun: boolean;
  readonly #live = new Set<Live>();
  /** Outcome totals of closed stores, by key ('' or the run id). */
  readonly #closed = new Map<string, Totals>();

  constructor(meter: Meter, perRun: boolean) {
    this.#perRun = perRun;
    this.#instruments = createInstruments(meter, () => this.#collect());
  }

  attach(runId: string, probe: () => StoreProbeStatus): () => void {
    const live: Live = { runId, probe };
    this.#live.add(live);
    return () => {
      if (!this.#live.delete(live)) return;
      const key = this.#key(runId);
      const totals = this.#closed.get(key) ?? zeroTotals();
      const { counters } = probe();
      for (const outcome of OUTCOMES) totals[outcome] += counters[outcome];
      this.#closed.set(key, totals);
    };
  }

  persisted(m: PersistMeasurement): void {
    const attributes = this.#attributes(m.runId);
    this.#instruments.persistDuration.record(m.durationMs / 1000, attributes);
    this.#instruments.size.record(m.bytes, attributes);
    this.#instruments.entities.record(m.entities, attributes);
  }

  loaded(m: LoadMeasurement): void {
    const attributes = this.#attributes(m.runId);
    this.#instruments.loadDuration.record(m.durationMs / 1000, attributes);
    if (m.corrupted > 0) {
      this.#instruments.corrupted.add(m.corrupted, attributes);
    }
  }

  restarted(m: RestartMeasurement): void {
    const attributes = { ...this.#attributes(m.runId), 'error.type': m.code };
    this.#instruments.restarts.add(1, attributes);
  }

  replayed(runId: string, messages: number): void {
    if (messages > 0) {
      this.#instruments.replayed.add(messages, this.#attributes(runId));
    }
  }

  #key(runId: string): string {
    return this.#perRun ? runId : '';
  }

  #attributes(runId: string): Attributes {
    return this.#perRun ? { 'runstate.run.id': runId } : {};
  }

  /** One group per attribute set: closed totals plus live probes. */
  *#collect(): Iterable<readonly [Group, Attributes]> {
    const groups = new Map<string, Group>();
    for (const [key, totals] of this.#closed) {
      Object.assign(groupOf(groups, key).totals, totals);
    }
    for (const live of this.#live) {
      addStatus(groupOf(groups, this.#key(live.runId)), live.probe());
    }
    for (const [key, group] of groups) {
      yield [group, this.#attributes(key)];
    }
  }
}
