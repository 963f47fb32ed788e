/** /api/v1/stats: figures for the dashboard, computed from the ledger. */
import type { FastifyPluginAsync } from 'fastify';
import { DATE_TIME, problemResponses } from '../common-schemas.js';
import type { ApiDeps } from '../deps.js';
import { buildThroughput, THROUGHPUT_CHANNELS, THROUGHPUT_WINDOWS, windowRange, type ThroughputWindow } from './throughput.js';

const COUNT = { type: 'integer', minimum: 0 } as const;

const THROUGHPUT_SCHEMA = {
  tags: ['stats'],
  summary: 'Final deliveries per channel over time, and the success rate',
  description:
    'Deliveries that reached a final state, per channel and time bucket (1 minute for 15m and 1h, 5 minutes for 6h, ' +
    '15 minutes for 24h). Every channel has one point per bucket, oldest first. The success rate is delivered / ' +
    '(delivered + failed + expired + rejected); cancelled deliveries do not count against it.',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { window: { type: 'string', enum: Object.keys(THROUGHPUT_WINDOWS), default: '1h', description: 'How far back.' } },
  },
  response: {
    200: {
      description: 'The series.',
      type: 'object',
      required: ['window', 'bucketSeconds', 'from', 'to', 'channels'],
      properties: {
        window: { type: 'string' },
        bucketSeconds: { type: 'integer' },
        from: DATE_TIME,
        to: { ...DATE_TIME, description: 'End of the last bucket (exclusive); the current bucket is still filling.' },
        channels: {
          type: 'array',
          items: {
            type: 'object',
            required: ['channel', 'delivered', 'unsuccessful', 'successRate', 'points'],
            properties: {
              channel: { type: 'string', enum: [...THROUGHPUT_CHANNELS] },
              delivered: COUNT,
              unsuccessful: { ...COUNT, description: 'failed + expired + rejected' },
              successRate: { type: ['number', 'null'], minimum: 0, maximum: 1, description: 'null when nothing finished in the window.' },
              points: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['at', 'delivered', 'failed', 'expired', 'rejected', 'cancelled'],
                  properties: { at: DATE_TIME, delivered: COUNT, failed: COUNT, expired: COUNT, rejected: COUNT, cancelled: COUNT },
                },
              },
            },
          },
        },
      },
    },
    ...problemResponses(400),
  },
} as const;

/** The stats resource plugin (viewer). */
export function statsRoutes(deps: ApiDeps): FastifyPluginAsync {
  const now = deps.now ?? (() => new Date());
  return async (app) => {
    app.get<{ Querystring: { window: ThroughputWindow } }>('/stats/throughput', { schema: THROUGHPUT_SCHEMA, config: { access: 'viewer' } }, async (request) => {
      const range = windowRange(request.query.window, now());
      const counts = await deps.admin.stats.finalCounts(range.from, range.to, range.bucketSeconds);
      return buildThroughput(request.query.window, range, counts);
    });
  };
}
