import type { Meter } from '@opentelemetry/api';
import { show } from '../validate.js';

/** Options of {@link otelMetrics}. */
export interface OtelMetricsOptions {
  /**
   * The meter to create instruments on.
   * @defaultValue the global MeterProvider's meter named `runstate`
   */
  readonly meter?: Meter;
  /**
   * Label every series with the `runstate.run.id` attribute: one series per
   * run (mind the cardinality with many runs).
   * @defaultValue false
   */
  readonly runIdAttribute?: boolean;
}

/**
 * Check the options of `otelMetrics`, naming a bad one.
 *
 * @internal
 */
export function checkOtelOptions(
  options: OtelMetricsOptions,
): OtelMetricsOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options must be an object, got ${show(options)}`);
  }
  const { meter, runIdAttribute } = options as Record<string, unknown>;
  if (
    meter !== undefined &&
    (meter === null ||
      typeof meter !== 'object' ||
      typeof (meter as Meter).createHistogram !== 'function')
  ) {
    throw new TypeError(
      `options.meter must be an OpenTelemetry Meter, got ${show(meter)}`,
    );
  }
  if (runIdAttribute !== undefined && typeof runIdAttribute !== 'boolean') {
    throw new TypeError(
      `options.runIdAttribute must be a boolean, got ${show(runIdAttribute)}`,
    );
  }
  return options;
}
