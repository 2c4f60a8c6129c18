/**
 * The OpenTelemetry instruments of runstate, named and united after the
 * semantic conventions (`docs/observability.md` lists them).
 *
 * @packageDocumentation
 */
import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';
import { OUTCOMES, type Group } from './otel-groups.js';

/** The synchronous instruments; the observable ones read `collect`. */
export interface Instruments {
  readonly persistDuration: Histogram;
  readonly size: Histogram;
  readonly entities: Histogram;
  readonly loadDuration: Histogram;
  readonly corrupted: Counter;
  readonly restarts: Counter;
  readonly replayed: Counter;
}

const SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
const BYTES = [1 << 10, 1 << 14, 1 << 17, 1 << 20, 1 << 23, 1 << 26, 1 << 29];
const COUNTS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

/** Create every instrument on `meter`, observing `collect()` on demand. */
export function createInstruments(
  meter: Meter,
  collect: () => Iterable<readonly [Group, Attributes]>,
): Instruments {
  observe(meter, collect);
  const histogram = (
    name: string,
    unit: string,
    description: string,
    buckets: number[],
  ): Histogram =>
    meter.createHistogram(name, {
      unit,
      description,
      advice: { explicitBucketBoundaries: buckets },
    });
  return {
    persistDuration: histogram(
      'runstate.savepoint.persist.duration',
      's',
      'Time to write one savepoint (and prune superseded ones)',
      SECONDS,
    ),
    size: histogram(
      'runstate.savepoint.size',
      'By',
      'Encoded size of the entity states of one persisted savepoint',
      BYTES,
    ),
    entities: histogram(
      'runstate.savepoint.entities',
      '{entity}',
      'Entity states in one persisted savepoint',
      COUNTS,
    ),
    loadDuration: histogram(
      'runstate.savepoint.load.duration',
      's',
      'Time to load the savepoint a run resumes from',
      SECONDS,
    ),
    corrupted: meter.createCounter('runstate.savepoint.corrupted', {
      unit: '{savepoint}',
      description: 'Savepoints skipped as corrupted when loading (fallbacks)',
    }),
    restarts: meter.createCounter('runstate.run.restarts', {
      unit: '{restart}',
      description: 'Restarts of supervised runs after a failure',
    }),
    replayed: meter.createCounter('runstate.run.replayed', {
      unit: '{message}',
      description: 'Messages processed again after a restart or resume',
    }),
  };
}

/** Register the observable instruments and their one batch callback. */
function observe(
  meter: Meter,
  collect: () => Iterable<readonly [Group, Attributes]>,
): void {
  const outcomes = meter.createObservableCounter('runstate.savepoints', {
    unit: '{savepoint}',
    description:
      'Complete savepoints by outcome: persisted, failed, superseded, discarded',
  });
  const open = meter.createObservableUpDownCounter(
    'runstate.savepoint.open.count',
    { unit: '{savepoint}', description: 'Savepoints being assembled' },
  );
  const oldest = meter.createObservableGauge(
    'runstate.savepoint.open.oldest.age',
    {
      unit: 's',
      description:
        'Message time between the newest savepoint reached and the oldest still open',
    },
  );
  const recovery = meter.createObservableGauge('runstate.recovery_point.age', {
    unit: 's',
    description:
      'Message time between the newest savepoint reached and the newest persisted (what a crash would replay)',
  });
  meter.addBatchObservableCallback(
    (result) => {
      for (const [group, attributes] of collect()) {
        for (const outcome of OUTCOMES) {
          result.observe(outcomes, group.totals[outcome], {
            ...attributes,
            'runstate.savepoint.outcome': outcome,
          });
        }
        result.observe(open, group.open, attributes);
        if (group.oldestOpenAge !== undefined) {
          result.observe(oldest, group.oldestOpenAge, attributes);
        }
        if (group.recoveryAge !== undefined) {
          result.observe(recovery, group.recoveryAge, attributes);
        }
      }
    },
    [outcomes, open, oldest, recovery],
  );
}
