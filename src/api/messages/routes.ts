/** /api/v1/messages: find a message and see what happened to it. */
import type { FastifyPluginAsync } from 'fastify';
import type { DeliveryState } from '../../domain/delivery-state.js';
import type { Channel, Direction } from '../../domain/message.js';
import { heraldError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { ApiDeps } from '../deps.js';
import { messageDetailDto, messageSummaryDto } from './dto.js';
import { DELIVERY_SCHEMA, GET_MESSAGE_SCHEMA, LIST_MESSAGES_SCHEMA, MESSAGE_DETAIL_SCHEMA, MESSAGE_SUMMARY_SCHEMA } from './schemas.js';

interface ListQuery {
  readonly status?: DeliveryState;
  readonly channel?: Channel;
  readonly direction?: Direction;
  readonly sender?: string;
  readonly recipient?: string;
  readonly from?: string;
  readonly to?: string;
  readonly q?: string;
  readonly session?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** The messages resource plugin (viewer). */
export function messageRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.addSchema(DELIVERY_SCHEMA);
    app.addSchema(MESSAGE_SUMMARY_SCHEMA);
    app.addSchema(MESSAGE_DETAIL_SCHEMA);

    app.get<{ Querystring: ListQuery }>('/messages', { schema: LIST_MESSAGES_SCHEMA, config: { access: 'viewer' } }, async (request) => {
      const query = request.query;
      const page = await deps.admin.messages.search({
        state: query.status,
        channel: query.channel,
        direction: query.direction,
        sender: query.sender,
        recipient: query.recipient,
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
        q: query.q,
        session: query.session,
        beforeId: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
        limit: query.limit,
      });
      return {
        items: page.items.map(messageSummaryDto),
        nextCursor: page.nextBeforeId === undefined ? null : encodeCursor(page.nextBeforeId),
      };
    });

    app.get<{ Params: { id: string } }>('/messages/:id', { schema: GET_MESSAGE_SCHEMA, config: { access: 'viewer' } }, async (request) => {
      const detail = await deps.admin.messages.detail(request.params.id);
      if (detail === undefined) throw heraldError('GW_ERR_API_NOT_FOUND', `message ${request.params.id}`);
      return messageDetailDto(detail);
    });
  };
}
