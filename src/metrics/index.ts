/**
 * The metrics seam: the calls StateStores and supervised runs make to a
 * {@link MetricsRecorder}. The OpenTelemetry implementation is the
 * `runstate/otel` subpath.
 *
 * @packageDocumentation
 */
export type {
  LoadMeasurement,
  MetricsRecorder,
  PersistMeasurement,
  RestartMeasurement,
  StoreProbeStatus,
} from './metrics-recorder.js';
