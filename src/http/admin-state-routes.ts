/**
 * The admin API's routes into states: one entity's state as tagged JSON
 * (streamed), and the diff of two savepoints.
 *
 * @packageDocumentation
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { decodeEntity, encodeTagged } from '../export/index.js';
import { diffSavepoints, type SavepointDiff } from '../inspect/index.js';
import { notFound } from './admin-errors.js';
import type { AdminConfig } from './admin-options.js';
import {
  diffQuery,
  diffResponse,
  entityParams,
  entityStateResponse,
  errorSchema,
  runParams,
} from './admin-schemas.js';
import { savepointAt } from './admin-storage-routes.js';

/** Characters per streamed chunk of a large state. */
const CHUNK = 1 << 16;

/** `text` in chunks, so a large state never sits in one socket write. */
function chunks(text: string): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < text.length; i += CHUNK) {
        yield text.slice(i, i + CHUNK);
      }
    })(),
  );
}

/** A diff with every list cut to `limit` items, and the full counts. */
function bounded(diff: SavepointDiff, limit: number) {
  const { added, removed, changed, entity } = diff;
  const cut = <T>(list: readonly T[]) => list.slice(0, limit);
  const truncated = [added, removed, changed, entity?.changes ?? []].some(
    (list) => list.length > limit,
  );
  return {
    ...diff,
    added: cut(added),
    removed: cut(removed),
    changed: cut(changed),
    counts: {
      added: added.length,
      removed: removed.length,
      changed: changed.length,
    },
    truncated,
    ...(entity === undefined
      ? {}
      : { entity: { id: entity.id, changes: cut(entity.changes) } }),
  };
}

const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema };

/**
 * A 404 when `entityId` is in neither savepoint of `diff`. Only an entity
 * with no change can be absent, so only then is a savepoint read again.
 */
async function mustHaveEntity(
  config: AdminConfig,
  diff: SavepointDiff,
  entityId: string,
): Promise<void> {
  const { runId, from, to, added, removed, changed } = diff;
  if ([added, removed, changed].some((ids) => ids.includes(entityId))) return;
  const savepoint = await savepointAt(config.storage, runId, to);
  if (savepoint.entries.some(([id]) => id === entityId)) return;
  throw notFound(
    `neither savepoint ${from} nor ${to} of run ${JSON.stringify(runId)} has entity ${JSON.stringify(entityId)}`,
  );
}

/** Register the entity and diff routes on `app`. @internal */
export function stateRoutes(app: FastifyInstance, config: AdminConfig): void {
  app.get<{
    Params: { runId: string; timestamp: number; entityId: string };
  }>(
    '/api/runs/:runId/savepoints/:timestamp/entities/:entityId',
    {
      schema: {
        summary: 'One entity’s state, as tagged JSON',
        params: entityParams,
        response: { 200: entityStateResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { runId, timestamp, entityId } = request.params;
      const savepoint = await savepointAt(config.storage, runId, timestamp);
      const entry = savepoint.entries.find(([id]) => id === entityId);
      if (entry === undefined) {
        throw notFound(
          `savepoint ${timestamp} of run ${JSON.stringify(runId)} has no entity ${JSON.stringify(entityId)}`,
        );
      }
      const state = decodeEntity(
        config.codec,
        runId,
        timestamp,
        entityId,
        entry[1],
      );
      const text = JSON.stringify(encodeTagged(state));
      return reply.type('application/json; charset=utf-8').send(chunks(text));
    },
  );
  app.get<{
    Params: { runId: string };
    Querystring: { from: number; to: number; entity?: string };
  }>(
    '/api/runs/:runId/diff',
    {
      schema: {
        summary: 'Entities added, removed and changed between two savepoints',
        params: runParams,
        querystring: diffQuery,
        response: { 200: diffResponse, ...errors },
      },
    },
    async (request) => {
      const { runId } = request.params;
      const { from, to, entity } = request.query;
      const diff = await diffSavepoints(config.storage, runId, from, to, {
        codec: config.codec,
        ...(entity === undefined ? {} : { entityId: entity }),
      });
      if (entity !== undefined) await mustHaveEntity(config, diff, entity);
      return bounded(diff, config.pageLimit);
    },
  );
}
