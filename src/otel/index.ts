/**
 * `runstate/otel`: runstate's metrics through OpenTelemetry's API
 * (`@opentelemetry/api`, an optional peer dependency loaded only by this
 * subpath). See `docs/observability.md`.
 *
 * @packageDocumentation
 */
export { otelMetrics } from './otel-metrics.js';
export type { OtelMetricsOptions } from './otel-options.js';
