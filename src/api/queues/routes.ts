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
  };
}
