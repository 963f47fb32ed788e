/**
 * The admin API's one error handler (STYLE rule 10): whatever a route, hook or schema
 * check throws leaves as problem+json with the catalogue's HTTP status. Client errors
 * are logged at info, server faults at error.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { heraldError } from '../errors.js';
import { PROBLEM_CONTENT_TYPE, toApiError, toProblem } from './problem.js';

/** Logs `error` and answers it as problem+json with the catalogue's status. */
export function sendProblem(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const err = toApiError(error);
  const log = request.log;
  if (err.httpStatus >= 500) log.error({ err, code: err.code, url: request.url }, 'API request failed');
  else log.info({ code: err.code, detail: err.detail, url: request.url, method: request.method }, 'API request refused');
  if (err.code === 'GW_ERR_API_UNAUTHENTICATED') void reply.header('www-authenticate', 'Bearer realm="herald"');
  const retryAfter = err.meta.retryAfterSeconds;
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  return reply.code(err.httpStatus).type(PROBLEM_CONTENT_TYPE).send(toProblem(err, request.url));
}

/** Installs the error handler on an API scope. */
export function installErrorHandling(api: FastifyInstance): void {
  api.setErrorHandler((error, request, reply) => sendProblem(error, request, reply));
}

/** Unknown routes under /api/v1 answer problem+json like every other API error. */
export async function notFoundHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const err = heraldError('GW_ERR_API_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
  request.log.info({ code: err.code, url: request.url }, 'API route not found');
  return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(toProblem(err, request.url));
}
