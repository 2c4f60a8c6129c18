/**
 * The admin API's read-only routes over a storage: runs, a run's
 * savepoints, one savepoint's entities with their sizes.
 *
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import type { StorageAdapter, StoredSavepoint } from '../storage/index.js';
import type { AdminConfig } from './admin-options.js';
import { notFound } from './admin-errors.js';
import {
  errorSchema,
  pageQuery,
  runParams,
  runsResponse,
  savepointParams,
  savepointResponse,
  savepointsResponse,
} from './admin-schemas.js';

/** Query of a paged list. */
interface Page {
  offset: number;
  limit?: number;
}

/** The ISO date of an epoch-ms timestamp, or null when it is not one. */
export function dateOf(timestamp: number): string | null {
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The page of `items` a query asks for, within the server's limit. */
export function pageOf<T>(items: readonly T[], query: Page, max: number): T[] {
  const limit = Math.min(query.limit ?? max, max);
  return items.slice(query.offset, query.offset + limit);
}

/** A run's live savepoints, or a 404 when the run is not in storage. */
export async function savepointsOf(
  storage: StorageAdapter,
  runId: string,
): Promise<number[]> {
  const timestamps = await storage.listSavepoints(runId);
  if (timestamps.length === 0 && !(await storage.isInitialized(runId))) {
    throw notFound(`run ${JSON.stringify(runId)} is not in storage`);
  }
  return timestamps;
}

/** One savepoint, or a 404. */
export async function savepointAt(
  storage: StorageAdapter,
  runId: string,
  timestamp: number,
): Promise<StoredSavepoint> {
  const savepoint = await storage.readSavepoint(runId, timestamp);
  if (savepoint === undefined) {
    await savepointsOf(storage, runId); // a 404 naming the run, if missing
    throw notFound(
      `run ${JSON.stringify(runId)} has no live savepoint ${timestamp}`,
    );
  }
  return savepoint;
}

const responses = (ok: object) => ({
  200: ok,
  400: errorSchema,
  401: errorSchema,
  404: errorSchema,
});

/** Register the storage routes on `app`. @internal */
export function storageRoutes(app: FastifyInstance, config: AdminConfig): void {
  const { storage, pageLimit } = config;
  app.get<{ Querystring: Page }>(
    '/api/runs',
    {
      schema: {
        summary: 'The runs in storage, with their newest savepoint',
        querystring: pageQuery,
        response: responses(runsResponse),
      },
    },
    async (request) => {
      const all = (await storage.listRuns()).sort();
      const runs = [];
      for (const runId of pageOf(all, request.query, pageLimit)) {
        const timestamps = await storage.listSavepoints(runId);
        const newest = timestamps.at(-1) ?? null;
        const newestDate = newest === null ? null : dateOf(newest);
        runs.push({ runId, savepoints: timestamps.length, newest, newestDate });
      }
      return { runs, total: all.length, offset: request.query.offset };
    },
  );
  app.get<{ Params: { runId: string }; Querystring: Page }>(
    '/api/runs/:runId/savepoints',
    {
      schema: {
        summary: 'A run’s live savepoints, oldest first',
        params: runParams,
        querystring: pageQuery,
        response: responses(savepointsResponse),
      },
    },
    async (request) => {
      const { runId } = request.params;
      const timestamps = await savepointsOf(storage, runId);
      const savepoints = pageOf(timestamps, request.query, pageLimit).map(
        (t) => ({ timestamp: t, date: dateOf(t) }),
      );
      const { offset } = request.query;
      return { runId, savepoints, total: timestamps.length, offset };
    },
  );
  savepointRoute(app, config);
}

function savepointRoute(app: FastifyInstance, config: AdminConfig): void {
  app.get<{
    Params: { runId: string; timestamp: number };
    Querystring: Page;
  }>(
    '/api/runs/:runId/savepoints/:timestamp',
    {
      schema: {
        summary: 'One savepoint’s entities and their encoded sizes',
        params: savepointParams,
        querystring: pageQuery,
        response: responses(savepointResponse),
      },
    },
    async (request) => {
      const { runId, timestamp } = request.params;
      const savepoint = await savepointAt(config.storage, runId, timestamp);
      const all = savepoint.entries.map(([id, bytes]) => ({
        id,
        bytes: bytes.byteLength,
      }));
      return {
        runId,
        timestamp,
        date: dateOf(timestamp),
        entityCount: all.length,
        bytes: all.reduce((sum, e) => sum + e.bytes, 0),
        entities: pageOf(all, request.query, config.pageLimit),
        total: all.length,
        offset: request.query.offset,
      };
    },
  );
}
