/** /api/v1/queues: how many jobs wait, run, failed, … in each queue. */
import type { FastifyPluginAsync } from 'fastify';
import { heraldError, isHeraldError } from '../../errors.js';
import { problemResponses } from '../common-schemas.js';
import type { ApiDeps } from '../deps.js';

const COUNT = { type: 'integer', minimum: 0 } as const;

const QUEUES_SCHEMA = {
  tags: ['queues'],
  summary: 'Job counts per queue',
  response: {
    200: {
      description: 'One entry per queue, by name.',
      type: 'object',
      required: ['items'],
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'],
            properties: {
              name: { type: 'string' },
              waiting: COUNT,
              active: COUNT,
              delayed: COUNT,
              prioritized: COUNT,
              completed: COUNT,
              failed: COUNT,
            },
          },
        },
      },
    },
    ...problemResponses(),
  },
} as const;

const FAILED_SCHEMA = {
  tags: ['queues'],
  summary: 'Jobs a queue gave up on, newest first',
  params: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 50 } } },
  querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } } },
  response: {
    200: {
      description: 'The failed jobs with their reason and attempts; payloads are ids only.',
      type: 'object',
      required: ['items'],
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'data', 'reason', 'attempts', 'failedAt'],
            properties: {
              id: { type: 'string' },
              data: { type: 'object', additionalProperties: { type: 'string' } },
              reason: { type: 'string' },
              attempts: COUNT,
              failedAt: { type: ['string', 'null'], format: 'date-time' },
            },
          },
        },
      },
    },
    ...problemResponses(404),
  },
} as const;

/** The queues resource plugin (viewer). */
export function queueRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/queues', { schema: QUEUES_SCHEMA, config: { access: 'viewer' } }, async () => {
      let counts;
      try {
        counts = await deps.queues.counts();
      } catch (err) {
        throw isHeraldError(err) ? err : heraldError('GW_ERR_REDIS_UNREACHABLE', 'queue counts', { cause: err });
      }
      const items = Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, c]) => ({
          name,
          waiting: c.waiting ?? 0,
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          prioritized: c.prioritized ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
        }));
      return { items };
    });

    app.get<{ Params: { name: string }; Querystring: { limit: number } }>(
      '/queues/:name/failed',
      { schema: FAILED_SCHEMA, config: { access: 'viewer' } },
      async (request) => {
        let failed;
        try {
          failed = await deps.queues.failed(request.params.name, request.query.limit);
        } catch (err) {
          throw isHeraldError(err) ? err : heraldError('GW_ERR_REDIS_UNREACHABLE', 'failed jobs', { cause: err });
        }
        if (failed === undefined) throw heraldError('GW_ERR_API_NOT_FOUND', `queue ${request.params.name}`);
        return {
          items: failed.map((job) => ({
            id: job.id,
            data: Object.fromEntries(Object.entries(job.data).map(([k, v]) => [k, String(v)])),
            reason: job.reason,
            attempts: job.attempts,
            failedAt: job.failedAt?.toISOString() ?? null,
          })),
        };
      },
    );
  };
}
