/**
 * The admin API's live route: the status of runs and stores living in this
 * process (open savepoints, the entities holding each back, counters).
 *
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import type { AdminConfig, LiveRun } from './admin-options.js';
import { errorSchema, liveResponse } from './admin-schemas.js';

/** What the API shows of one live run. */
function liveView(run: LiveRun) {
  const status = run.status();
  return {
    runId: status.runId,
    phase: status.phase,
    newestPersisted: status.newestPersisted ?? null,
    open: status.open.map((o) => ({
      timestamp: o.timestamp,
      filled: o.filled,
      missing: [...o.missing],
    })),
    counters: { ...status.counters },
  };
}

/** Register `GET /api/live` on `app`. @internal */
export function liveRoutes(app: FastifyInstance, config: AdminConfig): void {
  app.get(
    '/api/live',
    {
      schema: {
        summary: 'Runs living in this process: open savepoints and counters',
        response: { 200: liveResponse, 401: errorSchema },
      },
    },
    () => ({ runs: [...config.runs()].map(liveView) }),
  );
}
