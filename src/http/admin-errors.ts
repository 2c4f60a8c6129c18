/**
 * How the admin API answers failures: one body shape, `{ error: { code,
 * message } }`, and a status per kind of failure.
 *
 * @internal
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
    return { status, code: error.code, message: error.message };
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
