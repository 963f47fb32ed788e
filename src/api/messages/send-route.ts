/**
 * POST /api/v1/messages: REST ingress for apps and tests. The request becomes the same
 * page-mode MESSAGE a SIP client would send (CPIM with the IMDN request; a recipient list
 * for several recipients) and goes through the same ingress pipeline: routing, limits,
 * abuse controls, dedupe, persist, enqueue. Only the SIP peer check is skipped: the
 * caller is authenticated by its token.
 */
import type { FastifyPluginAsync } from 'fastify';
import { serializeCpim } from '../../codecs/cpim.js';
import { buildImdnRequestHeaders } from '../../codecs/imdn-request.js';
import { serializeMultipart } from '../../codecs/multipart.js';
import { serializeResourceLists } from '../../codecs/resource-lists.js';
import { newId, newToken } from '../../domain/ids.js';
import type { ImdnRequestToken } from '../../domain/message.js';
import { heraldError } from '../../errors.js';
import type { SipIncomingRequest } from '../../ports/sip-edge.port.js';
import { problemResponses } from '../common-schemas.js';
import type { ApiDeps } from '../deps.js';

const URI = { type: 'string', minLength: 4, maxLength: 512, pattern: '^(sips?|tel|mailto):\\S+$' } as const;

const SEND_SCHEMA = {
  tags: ['messages'],
  summary: 'Send a message (REST ingress into the SIP pipeline)',
  description:
    'Accepted exactly like a SIP MESSAGE: 202 once stored and queued; refusals are the SIP ingress errors as problem+json. ' +
    'Re-sending with the same `from` and `imdn.messageId` does not create a second message.',
  body: {
    type: 'object',
    required: ['from', 'to', 'text'],
    additionalProperties: false,
    properties: {
      from: { ...URI, description: 'The IM sender (becomes the CPIM From; IMDNs go back to it).' },
      to: { type: 'array', minItems: 1, maxItems: 100, items: URI, description: 'tel:, sip: or mailto: recipients.' },
      text: { type: 'string', minLength: 1, maxLength: 65_536 },
      subject: { type: 'string', maxLength: 200 },
      imdn: {
        type: 'object',
        required: ['notify'],
        additionalProperties: false,
        properties: {
          messageId: { type: 'string', minLength: 4, maxLength: 100, pattern: '^[A-Za-z0-9._~+/=-]+$' },
          notify: {
            type: 'array',
            maxItems: 5,
            items: { type: 'string', enum: ['positive-delivery', 'negative-delivery', 'display', 'processing', 'interworking'] },
          },
        },
      },
    },
  },
  response: {
    202: {
      description: 'Stored and queued.',
      type: 'object',
      required: ['messageId', 'imdnMessageId'],
      properties: { messageId: { type: 'string' }, imdnMessageId: { type: 'string' } },
    },
    ...problemResponses(403, 404, 413, 415, 429, 503),
  },
} as const;

interface SendBody {
  readonly from: string;
  readonly to: readonly string[];
  readonly text: string;
  readonly subject?: string;
  readonly imdn?: { readonly messageId?: string; readonly notify: readonly ImdnRequestToken[] };
}

function messageRequest(body: SendBody, sourceAddress: string): { request: SipIncomingRequest; imdnMessageId: string } {
  const imdnMessageId = body.imdn?.messageId ?? newToken();
  const cpim = serializeCpim({
    from: { uri: body.from },
    to: body.to.map((uri) => ({ uri })),
    cc: [],
    dateTime: new Date().toISOString(),
    subjects: body.subject === undefined ? [] : [{ text: body.subject }],
    namespaces: [],
    headers: buildImdnRequestHeaders({
      messageId: imdnMessageId,
      dispositionNotification: body.imdn?.notify ?? [],
      imdnRecordRoute: [],
      imdnRoute: [],
    }),
    contentType: 'text/plain;charset=UTF-8',
    contentHeaders: [],
    body: Buffer.from(body.text, 'utf8'),
  });
  let contentType = 'message/cpim';
  let payload = cpim;
  const headers: Record<string, string[]> = {};
  if (body.to.length > 1) {
    const list = serializeResourceLists(body.to.map((uri) => ({ uri, copyControl: 'to', anonymize: false })));
    const multipart = serializeMultipart({
      boundary: `herald-${newToken(9)}`,
      parts: [
        {
          headers: [
            { name: 'Content-Type', value: 'application/resource-lists+xml' },
            { name: 'Content-Disposition', value: 'recipient-list' },
          ],
          body: Buffer.from(list, 'utf8'),
        },
        { headers: [{ name: 'Content-Type', value: 'message/cpim' }], body: cpim },
      ],
    });
    contentType = multipart.contentType;
    payload = Buffer.from(multipart.body);
    headers.require = ['recipient-list-message'];
  }
  headers['content-type'] = [contentType];
  const first = body.to[0] ?? body.from;
  return {
    imdnMessageId,
    request: {
      method: 'MESSAGE',
      requestUri: first,
      from: { uri: body.from },
      to: { uri: first },
      callId: `api-${newId()}`,
      cseq: 1,
      headers,
      body: payload,
      source: { address: sourceAddress, port: 0, transport: 'tcp' },
    },
  };
}

/** The send plugin (admin: it spends the operator's SMS and mail). */
export function sendRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: SendBody }>('/messages', { schema: SEND_SCHEMA, config: { access: 'admin' } }, async (request, reply) => {
      const ingress = deps.ingress;
      if (ingress === undefined) throw heraldError('GW_ERR_GATEWAY_SHUTTING_DOWN', 'no ingress pipeline in this process');
      const { request: message, imdnMessageId } = messageRequest(request.body, request.ip);
      const outcome = await ingress.submit(message);
      if (outcome.error !== undefined) throw outcome.error;
      if (outcome.messageId === undefined || outcome.reply.status !== 202) {
        throw heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', `not a message to relay (${outcome.reply.status} ${outcome.reply.reason})`);
      }
      return reply.code(202).send({ messageId: outcome.messageId, imdnMessageId });
    });
  };
}
