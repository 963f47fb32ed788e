/** /api/v1/audit: the trail of admin actions, newest first. */
import type { FastifyPluginAsync } from 'fastify';
import type { AuditEvent } from '../../ports/audit-log.port.js';
import { DATE_TIME, NEXT_CURSOR, PAGING_PROPERTIES, problemResponses } from '../common-schemas.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { ApiDeps } from '../deps.js';

const AUDIT_SCHEMA = {
  tags: ['audit'],
  summary: 'Audit trail of admin actions',
  description: 'Token create/revoke, logins and logouts, retries, cancels and directory changes; newest first.',
  querystring: { type: 'object', additionalProperties: false, properties: { ...PAGING_PROPERTIES } },
  response: {
    200: {
      description: 'One page.',
      type: 'object',
      required: ['items', 'nextCursor'],
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'at', 'actorName', 'action', 'target', 'detail'],
            properties: {
              id: { type: 'string' },
              at: DATE_TIME,
              actorTokenId: { type: ['string', 'null'] },
              actorName: { type: 'string', description: 'Token name, or `cli`.' },
              action: { type: 'string' },
              target: { type: 'string' },
              sourceIp: { type: ['string', 'null'] },
              detail: { type: 'object', additionalProperties: true },
            },
          },
        },
        nextCursor: NEXT_CURSOR,
      },
    },
    ...problemResponses(400),
  },
} as const;

function auditDto(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    at: event.at.toISOString(),
    actorTokenId: event.actorTokenId ?? null,
    actorName: event.actorName,
    action: event.action,
    target: event.target,
    sourceIp: event.sourceIp ?? null,
    detail: event.detail,
  };
}

/** The audit resource plugin (admin only: it names who did what from where). */
export function auditRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { limit: number; cursor?: string } }>(
      '/audit',
      { schema: AUDIT_SCHEMA, config: { access: 'admin' } },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await deps.admin.audit.list(limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return { items: page.map(auditDto), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.id) : null };
      },
    );
  };
}
