/** /api/v1/deliveries/:id/{retry,cancel}: admins act on one delivery. */
import type { FastifyPluginAsync } from 'fastify';
import { principalOf } from '../auth/authenticate.js';
import { recordAudit } from '../audit.js';
import { problemResponses } from '../common-schemas.js';
import type { ApiDeps } from '../deps.js';
import { deliveryDto } from '../messages/dto.js';
import { DELIVERY_SCHEMA } from '../messages/schemas.js';
import { cancelDelivery, retryDelivery } from './actions.js';

const PARAMS = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

const RETRY_SCHEMA = {
  tags: ['deliveries'],
  summary: 'Retry a delivery that finally failed',
  description: 'failed, expired, rejected or cancelled → queued, and its job is queued again.',
  params: PARAMS,
  response: { 200: { description: 'The delivery, now queued.', $ref: 'Delivery#' }, ...problemResponses(404, 409) },
} as const;

const CANCEL_SCHEMA = {
  tags: ['deliveries'],
  summary: 'Cancel a delivery not yet handed to the far side',
  description: 'accepted or queued → cancelled. Submitted deliveries are with the SMSC or mail server: 409.',
  params: PARAMS,
  response: { 200: { description: 'The delivery, now cancelled.', $ref: 'Delivery#' }, ...problemResponses(404, 409) },
} as const;

/** The deliveries resource plugin (admin only). */
export function deliveryRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    // Registered here too: each resource plugin is its own scope.
    app.addSchema(DELIVERY_SCHEMA);

    app.post<{ Params: { id: string } }>('/deliveries/:id/retry', { schema: RETRY_SCHEMA, config: { access: 'admin' } }, async (request) => {
      const actor = principalOf(request).name;
      const delivery = await retryDelivery(deps.ledger, deps.jobs, request.params.id, actor, request.log);
      await recordAudit(deps, request, 'delivery.retry', delivery.id, { messageId: delivery.messageId, version: delivery.version });
      return deliveryDto(delivery);
    });

    app.post<{ Params: { id: string } }>('/deliveries/:id/cancel', { schema: CANCEL_SCHEMA, config: { access: 'admin' } }, async (request) => {
      const actor = principalOf(request).name;
      const delivery = await cancelDelivery(deps.ledger, request.params.id, actor);
      await recordAudit(deps, request, 'delivery.cancel', delivery.id, { messageId: delivery.messageId });
      return deliveryDto(delivery);
    });
  };
}
