/**
 * How the admin API answers failures: one body shape, `{ error: { code,
 * message } }`, and a status per kind of failure.
 *
 * @packageDocumentation
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { RunStateError } from '../errors.js';

/** A failure the API answers with `status` and `code`. @internal */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A 404 for a run or savepoint that is not there. @internal */
export const notFound = (message: string): HttpFailure =>
  new HttpFailure(404, 'E_NOT_FOUND', message);

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  E_NO_SAVEPOINT: 404,
  E_CLOSED: 503,
  E_LOCKED: 503,
};

/** The status and code of any error. @internal */
export function classify(error: unknown): {
  status: number;
  code: string;
  message: string;
} {
  if (error instanceof HttpFailure) {
    return { status: error.status, code: error.code, message: error.message };
  }
  if (error instanceof RunStateError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    // Whatever is not there is one code to clients: E_NOT_FOUND.
    const code = status === 404 ? 'E_NOT_FOUND' : error.code;
    return { status, code, message: error.message };
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    return { status: 400, code: 'E_BAD_REQUEST', message: error.message };
  }
  const fastify = error as Partial<FastifyError>;
  if (fastify.validation !== undefined || fastify.statusCode === 400) {
    const message = fastify.message ?? 'bad request';
    return { status: 400, code: 'E_BAD_REQUEST', message };
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    const code = fastify.code ?? 'E_BAD_REQUEST';
    return {
      status: fastify.statusCode,
      code,
      message: String(fastify.message),
    };
  }
  return { status: 500, code: 'E_INTERNAL', message: 'internal error' };
}

/** fastify's error handler: the status and body of `classify`. @internal */
export async function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const { status, code, message } = classify(error);
  if (status >= 500) request.log.error({ err: error }, 'admin API failure');
  await reply.code(status).send({ error: { code, message } });
}

/** The part of a request path an error message may quote. */
const quoted = (url: string): string =>
  JSON.stringify(url.length > 200 ? `${url.slice(0, 200)}…` : url);

/** fastify's not-found handler: the API's error body. @internal */
export async function sendNotFound(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const message = `no route ${request.method} ${quoted(request.url)}`;
  await reply.code(404).send({ error: { code: 'E_NOT_FOUND', message } });
}

/**
 * fastify's handler of router failures (a path parameter past the length
 * limit: 414; a malformed URL: 400), with the API's error body and the URL
 * never echoed in full. @internal
 */
export function sendFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const message = tooLong
    ? 'a path parameter is too long (ids have at most 1024 characters)'
    : 'malformed URL';
  void reply
    .code(tooLong ? 414 : 400)
    .send({ error: { code: 'E_BAD_REQUEST', message } });
}
