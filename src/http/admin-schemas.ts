/**
 * The JSON Schemas of the admin API: fastify validates requests with them
 * and @fastify/swagger builds `/openapi.json` from the same objects, so the
 * document cannot drift from what the routes accept and return.
 *
 * @packageDocumentation
 */

/** The longest id a path may carry (ids are never longer in practice). */
export const MAX_ID_LENGTH = 1024;

/**
 * The longest path parameter the router takes (an id percent-encoded, 12
 * characters per code unit at most); a longer one is refused with 414
 * before any route runs.
 */
export const MAX_PARAM_LENGTH = MAX_ID_LENGTH * 12 + 64;

const id = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
} as const;
const timestamp = {
  type: 'integer',
  minimum: -Number.MAX_SAFE_INTEGER,
  maximum: Number.MAX_SAFE_INTEGER,
  description: 'A savepoint timestamp (the run’s time unit, usually ms)',
} as const;
const date = {
  type: ['string', 'null'],
  description: 'The timestamp as an ISO date, when it is a valid epoch ms',
} as const;

/** `{ error: { code, message } }`, the body of every failure. */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

/** Paging of list responses. */
export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1 },
  },
} as const;

export const runParams = {
  type: 'object',
  required: ['runId'],
  properties: { runId: id },
} as const;

export const savepointParams = {
  type: 'object',
  required: ['runId', 'timestamp'],
  properties: { runId: id, timestamp },
} as const;

export const entityParams = {
  type: 'object',
  required: ['runId', 'timestamp', 'entityId'],
  properties: { runId: id, timestamp, entityId: id },
} as const;

export const diffQuery = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: { from: timestamp, to: timestamp, entity: id },
} as const;

const page = {
  total: { type: 'integer', description: 'Items in all pages' },
  offset: { type: 'integer' },
} as const;

export const runsResponse = {
  type: 'object',
  required: ['runs', 'total', 'offset'],
  properties: {
    ...page,
    runs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['runId', 'savepoints'],
        properties: {
          runId: { type: 'string' },
          savepoints: { type: 'integer', description: 'Live savepoints' },
          newest: { ...timestamp, type: ['integer', 'null'] },
          newestDate: date,
        },
      },
    },
  },
} as const;

export const savepointsResponse = {
  type: 'object',
  required: ['runId', 'savepoints', 'total', 'offset'],
  properties: {
    ...page,
    runId: { type: 'string' },
    savepoints: {
      type: 'array',
      description: 'Live savepoints, oldest first',
      items: {
        type: 'object',
        required: ['timestamp'],
        properties: { timestamp, date },
      },
    },
  },
} as const;

export const savepointResponse = {
  type: 'object',
  required: ['runId', 'timestamp', 'entityCount', 'bytes', 'entities'],
  properties: {
    ...page,
    runId: { type: 'string' },
    timestamp,
    date,
    entityCount: { type: 'integer' },
    bytes: { type: 'integer', description: 'All entity states, encoded' },
    entities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'bytes'],
        properties: { id: { type: 'string' }, bytes: { type: 'integer' } },
      },
    },
  },
} as const;

const openSavepoint = {
  type: 'object',
  required: ['timestamp', 'filled', 'missing'],
  properties: {
    timestamp,
    filled: { type: 'integer' },
    missing: {
      type: 'array',
      items: { type: 'string' },
      description: 'Entities that have not saved: they hold it back',
    },
  },
} as const;

export const liveResponse = {
  type: 'object',
  required: ['runs'],
  properties: {
    runs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['runId', 'phase', 'open', 'counters'],
        properties: {
          runId: { type: 'string' },
          phase: { type: 'string' },
          newestPersisted: { ...timestamp, type: ['integer', 'null'] },
          open: { type: 'array', items: openSavepoint },
          counters: {
            type: 'object',
            additionalProperties: { type: 'number' },
          },
        },
      },
    },
  },
} as const;

/** An entity's state: tagged JSON (`docs/export-format.md`), any JSON value. */
export const entityStateResponse = {
  description:
    'The entity’s state as the export format’s tagged JSON (streamed)',
} as const;

const change = {
  type: 'object',
  required: ['path', 'kind'],
  properties: {
    path: { type: 'string', description: 'From the state’s root; "" is it' },
    kind: { type: 'string', enum: ['added', 'removed', 'changed'] },
    before: { description: 'Tagged JSON, not for added' },
    after: { description: 'Tagged JSON, not for removed' },
  },
} as const;

const ids = (what: string) =>
  ({
    type: 'array',
    items: { type: 'string' },
    description: `Entity ids ${what}, sorted; at most the server’s page limit`,
  }) as const;

export const diffResponse = {
  type: 'object',
  required: [
    'runId',
    'from',
    'to',
    'added',
    'removed',
    'changed',
    'unchanged',
    'counts',
    'truncated',
  ],
  properties: {
    runId: { type: 'string' },
    from: timestamp,
    to: timestamp,
    added: ids('only in `to`'),
    removed: ids('only in `from`'),
    changed: ids('in both, with different states'),
    unchanged: { type: 'integer' },
    counts: {
      type: 'object',
      description: 'The full lengths of `added`, `removed` and `changed`',
      required: ['added', 'removed', 'changed'],
      properties: {
        added: { type: 'integer' },
        removed: { type: 'integer' },
        changed: { type: 'integer' },
      },
    },
    truncated: {
      type: 'boolean',
      description:
        'Whether a list (or `entity.changes`) was cut to the page limit',
    },
    entity: {
      type: 'object',
      required: ['id', 'changes'],
      properties: {
        id: { type: 'string' },
        changes: { type: 'array', items: change },
      },
    },
  },
} as const;
