import { timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { RunStateError } from '../errors.js';
import { checkOptions, show } from '../validate.js';
import {
  HttpFailure,
  sendError,
  sendFrameworkError,
  sendNotFound,
} from './admin-errors.js';
import { liveRoutes } from './admin-live-routes.js';
import { checkAdminOptions, type AdminServerOptions } from './admin-options.js';
import { MAX_PARAM_LENGTH } from './admin-schemas.js';
import { stateRoutes } from './admin-state-routes.js';
import { storageRoutes } from './admin-storage-routes.js';
import { pageRoute } from './inspector-page.js';

/** The largest request body accepted, in bytes (no route reads one). */
const BODY_LIMIT = 1024;

/** Where {@link AdminServer.listen} binds. */
export interface ListenOptions {
  /**
   * The interface. Anything but loopback exposes stored state to the
   * network: set a `token` then.
   * @defaultValue '127.0.0.1'
   */
  readonly host?: string;
  /** The TCP port; 0 picks a free one. @defaultValue 4400 */
  readonly port?: number;
}

/** A read-only admin API over a storage, with the savepoint inspector. */
export interface AdminServer {
  /**
   * Start listening; resolves with the base URL (`http://127.0.0.1:4400`).
   * @throws `E_INVALID_STATE` when already listening; `E_CLOSED`
   */
  listen(options?: ListenOptions): Promise<string>;
  /** The OpenAPI 3.1 document of the API (also served at `/openapi.json`). */
  openapi(): Promise<Record<string, unknown>>;
  /** The underlying fastify instance (for `inject()` in tests, or hooks). */
  readonly fastify: FastifyInstance;
  /** Stop listening. Idempotent; the storage is not closed. */
  close(): Promise<void>;
  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Create the read-only admin API and savepoint inspector of a storage.
 *
 * @remarks
 * Creating it does no I/O; `listen()` binds (to 127.0.0.1 by default). The
 * routes are listed in `docs/observability.md` and described by the OpenAPI
 * document at `/openapi.json`, generated from the schemas that validate
 * them. The server never writes to the storage: open it with
 * `readOnly: true` to make sure. With `token`, every API request must carry
 * `Authorization: Bearer <token>`.
 *
 * @example
 * ```ts
 * import { createAdminServer } from 'runstate/http';
 * await using server = createAdminServer({ storage, runs: [run] });
 * console.log(await server.listen({ port: 4400 })); // open it in a browser
 * ```
 * @throws `TypeError`/`RangeError` naming a bad option
 */
export function createAdminServer(options: AdminServerOptions): AdminServer {
  const config = checkAdminOptions(options);
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    bodyLimit: BODY_LIMIT,
    frameworkErrors: sendFrameworkError,
  });
  app.setErrorHandler(sendError);
  app.setNotFoundHandler(sendNotFound);
  refuseBodies(app);
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'runstate admin API',
        version: '1',
        description: 'Read-only: runs, savepoints and entity states.',
      },
    },
  });
  void app.register((scoped, _options, done) => {
    if (config.token !== undefined) guard(scoped, config.token);
    storageRoutes(scoped, config);
    stateRoutes(scoped, config);
    liveRoutes(scoped, config);
    scoped.get('/openapi.json', { schema: { hide: true } }, () =>
      app.swagger(),
    );
    done();
  });
  pageRoute(app);
  return new Server(app);
}

/**
 * Refuse a request body past {@link BODY_LIMIT} (413): fastify never reads
 * a `GET` body, so its `bodyLimit` alone would let one through.
 */
function refuseBodies(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const length = Number(request.headers['content-length'] ?? 0);
    const tooLarge = !(length <= BODY_LIMIT);
    const refusal = `request bodies are refused (at most ${BODY_LIMIT} bytes; only GET routes exist)`;
    done(tooLarge ? new HttpFailure(413, 'E_BAD_REQUEST', refusal) : undefined);
  });
}

/** Refuse requests without the bearer token (401). */
function guard(app: FastifyInstance, token: string): void {
  const expected = Buffer.from(`Bearer ${token}`);
  app.addHook('onRequest', (request, _reply, done) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    const ok =
      given.length === expected.length && timingSafeEqual(given, expected);
    const refusal = 'a bearer token is required';
    done(ok ? undefined : new HttpFailure(401, 'E_UNAUTHORIZED', refusal));
  });
}

class Server implements AdminServer {
  readonly fastify: FastifyInstance;
  #listening = false;
  #closing: Promise<void> | undefined;

  constructor(app: FastifyInstance) {
    this.fastify = app;
  }

  async listen(options: ListenOptions = {}): Promise<string> {
    if (this.#closing !== undefined) {
      throw new RunStateError('E_CLOSED', 'listen() on a closed admin server');
    }
    if (this.#listening) {
      throw new RunStateError(
        'E_INVALID_STATE',
        'the admin server is listening already',
      );
    }
    const { host, port } = checkListen(options);
    this.#listening = true;
    try {
      return await this.fastify.listen({ host, port });
    } catch (error) {
      this.#listening = false;
      throw error;
    }
  }

  async openapi(): Promise<Record<string, unknown>> {
    await this.fastify.ready();
    return this.fastify.swagger() as unknown as Record<string, unknown>;
  }

  close(): Promise<void> {
    this.#closing ??= this.fastify.close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function checkListen(options: ListenOptions): Required<ListenOptions> {
  checkOptions('options', options);
  const { host = '127.0.0.1', port = 4400 } = options;
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(`host must be a non-empty string, got ${show(host)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer 0-65535, got ${show(port)}`);
  }
  return { host, port };
}
