/**
 * `runstate/http`: a read-only admin API over a storage (runs, savepoints,
 * entity states, diffs, live status) and the savepoint inspector page, on
 * fastify (an optional peer dependency loaded only by this subpath). See
 * `docs/observability.md`.
 *
 * @packageDocumentation
 */
export { createAdminServer } from './admin-server.js';
export type { AdminServer, ListenOptions } from './admin-server.js';
export type {
  AdminServerOptions,
  LiveRun,
  LiveStatus,
} from './admin-options.js';
