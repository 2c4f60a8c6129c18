/**
 * A StateStore's {@link MetricsRecorder}, guarded: a recorder that throws is
 * logged and ignored, never breaking the store.
 *
 * @packageDocumentation
 */
import type { Logger } from '../../logger.js';
import type { MetricsRecorder } from '../../metrics/index.js';
import { show } from '../../validate.js';

const METHODS = [
  'attach',
  'persisted',
  'loaded',
  'restarted',
  'replayed',
] as const;

/**
 * Check `metrics` (undefined, or a recorder) and wrap each of its methods so
 * that a throw is logged at `error` level and ignored. (Not public: only
 * the StateStore and `startRun` use it.)
 */
export function guardedMetrics(
  metrics: unknown,
  logger: Logger,
  runId: string,
): MetricsRecorder | undefined {
  if (metrics === undefined) return undefined;
  const recorder = metrics as Record<string, unknown> | null;
  const missing = METHODS.filter((m) => typeof recorder?.[m] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(
      `metrics must be a MetricsRecorder (e.g. otelMetrics() from 'runstate/otel'); missing ${missing.join(', ')} on ${show(metrics)}`,
    );
  }
  const inner = metrics as MetricsRecorder;
  const safely = <R>(name: string, fallback: R, call: () => R): R => {
    try {
      return call();
    } catch (error) {
      logger.error({ err: error, runId }, `metrics.${name} threw; ignored`);
      return fallback;
    }
  };
  const noop = (): void => undefined;
  return {
    attach: (id, probe) => {
      const detach = safely('attach', noop, () => inner.attach(id, probe));
      return () => safely('attach (detach)', undefined, detach);
    },
    persisted: (m) => safely('persisted', undefined, () => inner.persisted(m)),
    loaded: (m) => safely('loaded', undefined, () => inner.loaded(m)),
    restarted: (m) => safely('restarted', undefined, () => inner.restarted(m)),
    replayed: (id, n) =>
      safely('replayed', undefined, () => inner.replayed(id, n)),
  };
}

/** Report one savepoint write: its entities, bytes and duration. */
export function measurePersist(
  metrics: MetricsRecorder,
  runId: string,
  timestamp: number,
  entries: readonly (readonly [string, Uint8Array])[],
  durationMs: number,
): void {
  let bytes = 0;
  for (const entry of entries) bytes += entry[1].byteLength;
  metrics.persisted({
    runId,
    timestamp,
    entities: entries.length,
    bytes,
    durationMs,
  });
}
