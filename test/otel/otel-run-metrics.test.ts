import { afterEach, describe, expect, it } from 'vitest';
import { otelMetrics } from '../../src/otel/index.js';
import { flakySum, product, testRun, ticks } from '../actors/run/helpers.js';
import {
  histogram,
  metricsHarness,
  value,
  type MetricsHarness,
} from './otel-harness.js';

let harness: MetricsHarness;
afterEach(() => harness?.shutdown());

describe('otelMetrics() with a supervised run', () => {
  it('counts restarts by error type, replayed messages, and savepoints of every attempt', async () => {
    harness = metricsHarness();
    const metrics = otelMetrics({ meter: harness.meter, runIdAttribute: true });
    // Fails at 25 600: the restart resumes from 25 000 and replays 6 messages.
    const { run } = await testRun(ticks(500), {
      entities: { sum: flakySum(25_600), product },
      metrics,
    });
    const result = await run.done;
    expect(result.restarts).toBe(1);
    const { counters } = run.status();
    expect(counters.replayed).toBe(6);
    const m = await harness.read();
    const runId = run.status().runId;
    const attrs = { 'runstate.run.id': runId };
    expect(
      value(m, 'runstate.run.restarts', {
        ...attrs,
        'error.type': 'E_ENTITY_FAILED',
      }),
    ).toBe(1);
    expect(value(m, 'runstate.run.replayed', attrs)).toBe(6);
    const persisted = value(m, 'runstate.savepoints', {
      ...attrs,
      'runstate.savepoint.outcome': 'persisted',
    });
    const written = histogram(m, 'runstate.savepoint.persist.duration', attrs);
    expect(persisted).toBeGreaterThan(0);
    expect(written?.count).toBe(persisted);
    // one load: the restart resumed from a savepoint
    expect(histogram(m, 'runstate.savepoint.load.duration', attrs)?.count).toBe(
      1,
    );
  });

  it('records nothing for runs without the option', async () => {
    harness = metricsHarness();
    otelMetrics({ meter: harness.meter });
    const { run } = await testRun(ticks(50), {});
    await run.done;
    const m = await harness.read();
    expect(value(m, 'runstate.run.restarts')).toBeUndefined();
    expect(histogram(m, 'runstate.savepoint.persist.duration')).toBeUndefined();
  });

  it('refuses a metrics option that is not a recorder', async () => {
    await expect(async () =>
      testRun(ticks(5), { metrics: { attach: 1 } as never }),
    ).rejects.toThrow(/metrics must be a MetricsRecorder/);
  });
});
