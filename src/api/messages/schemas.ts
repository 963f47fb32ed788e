/** Schemas of /api/v1/messages. */
import { DELIVERY_STATES } from '../../domain/delivery-state.js';
import { DATE_TIME, NEXT_CURSOR, OPTIONAL_DATE_TIME, PAGING_PROPERTIES, problemResponses } from '../common-schemas.js';

const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const STATE = { type: 'string', enum: [...DELIVERY_STATES] } as const;
const CHANNEL = { type: 'string', enum: ['sms', 'email', 'sip'] } as const;
const DIRECTION = { type: 'string', enum: ['mt', 'mo'], description: 'mt: IM → SMS/email; mo: SMS/email → IM.' } as const;

export const DELIVERY_SCHEMA = {
  $id: 'Delivery',
  type: 'object',
  required: ['id', 'messageId', 'channel', 'originalRecipientUri', 'targetUri', 'state', 'version', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    messageId: { type: 'string' },
    channel: CHANNEL,
    originalRecipientUri: { type: 'string', description: 'What the sender addressed.' },
    targetUri: { type: 'string', description: 'What Herald reaches (tel:, mailto:, sip:).' },
    copyControl: { type: ['string', 'null'], enum: ['to', 'cc', 'bcc', null] },
    state: STATE,
    version: { type: 'integer' },
    errorCode: NULLABLE_STRING,
    errorText: NULLABLE_STRING,
    farSideAt: { ...OPTIONAL_DATE_TIME, description: 'When the far side delivered or read it, if known.' },
    createdAt: DATE_TIME,
    updatedAt: DATE_TIME,
  },
} as const;

/** The MSRP session a message came in (session mode), or null for a page-mode message. */
const MSRP_SESSION = {
  type: ['object', 'null'],
  description: 'The MSRP session (session mode) the message came in; null for page mode.',
  required: ['id', 'callId', 'imUser', 'farParty', 'largeMessageMode', 'secure', 'node', 'startedAt', 'endedAt', 'endReason'],
  properties: {
    id: { type: 'string', description: "Herald's MSRP session id; filter the list with ?session=" },
    callId: { type: 'string', description: "The INVITE's Call-ID (the SIP dialog)." },
    imUser: { type: 'string', description: 'Who invited (the IM user).' },
    farParty: { type: 'string', description: 'Where the session goes, as routed (tel: or mailto:).' },
    largeMessageMode: { type: 'boolean' },
    secure: { type: 'boolean', description: 'Over TLS (msrps).' },
    node: { type: 'string', description: 'The gateway node that held it: host:port of its MSRP listener.' },
    startedAt: DATE_TIME,
    endedAt: { ...OPTIONAL_DATE_TIME, description: 'Null while open, or when its process died before it ended.' },
    endReason: { ...NULLABLE_STRING, description: 'BYE, shutdown, no connection, large message delivered, lost with its process, …' },
  },
} as const;

const MESSAGE_HEAD = {
  id: { type: 'string', description: 'UUIDv7: time-ordered.' },
  direction: DIRECTION,
  sourceChannel: CHANNEL,
  senderUri: { type: 'string' },
  senderDisplayName: NULLABLE_STRING,
  imdnMessageId: NULLABLE_STRING,
  subject: NULLABLE_STRING,
  contentType: { type: 'string' },
  sentAt: DATE_TIME,
  createdAt: { ...DATE_TIME, description: 'When Herald accepted it.' },
  session: MSRP_SESSION,
} as const;

const HEAD_REQUIRED = ['id', 'direction', 'sourceChannel', 'senderUri', 'contentType', 'sentAt', 'createdAt', 'session'] as const;

export const MESSAGE_SUMMARY_SCHEMA = {
  $id: 'MessageSummary',
  type: 'object',
  required: [...HEAD_REQUIRED, 'deliveries'],
  properties: { ...MESSAGE_HEAD, deliveries: { type: 'array', items: { $ref: 'Delivery#' } } },
} as const;

const SEGMENT = {
  type: 'object',
  required: ['id', 'seq', 'total', 'connectionId', 'smscMessageId', 'state', 'submittedAt'],
  properties: {
    id: { type: 'string' },
    deliveryId: { type: 'string' },
    seq: { type: 'integer' },
    total: { type: 'integer' },
    connectionId: { type: 'string', description: 'The SMSC connection it was submitted on.' },
    smscMessageId: { type: 'string' },
    state: STATE,
    errorCode: NULLABLE_STRING,
    submittedAt: DATE_TIME,
    finalAt: OPTIONAL_DATE_TIME,
  },
} as const;

const CORRELATION = {
  type: 'object',
  required: ['kind', 'key', 'deliveryId', 'createdAt'],
  properties: {
    kind: { type: 'string', description: 'email-envid, email-message-id, reply-token' },
    key: { type: 'string' },
    deliveryId: { type: 'string' },
    createdAt: DATE_TIME,
  },
} as const;

const EVENT = {
  type: 'object',
  required: ['id', 'at', 'type', 'cause', 'detail'],
  properties: {
    id: { type: 'string' },
    deliveryId: NULLABLE_STRING,
    at: DATE_TIME,
    type: { type: 'string', description: 'state, receipt, imdn-sent, sip-response, …' },
    fromState: { type: ['string', 'null'] },
    toState: { type: ['string', 'null'] },
    cause: { type: 'string', description: 'e.g. ingress, smpp:DELIVRD, admin-retry' },
    detail: { type: 'object', additionalProperties: true },
  },
} as const;

export const MESSAGE_DETAIL_SCHEMA = {
  $id: 'MessageDetail',
  type: 'object',
  required: [...HEAD_REQUIRED, 'imdnRequests', 'imdnRoute', 'body', 'deliveries', 'events'],
  properties: {
    ...MESSAGE_HEAD,
    imdnRequests: { type: 'array', items: { type: 'string' } },
    imdnRoute: { type: 'array', items: { type: 'string' } },
    sipCallId: NULLABLE_STRING,
    body: {
      type: 'object',
      required: ['encoding', 'data', 'bytes'],
      properties: {
        encoding: { type: 'string', enum: ['utf8', 'base64'], description: 'utf8 for text, base64 otherwise.' },
        data: { type: 'string' },
        bytes: { type: 'integer' },
      },
    },
    deliveries: {
      type: 'array',
      items: {
        type: 'object',
        required: [...DELIVERY_SCHEMA.required, 'segments', 'correlations', 'reason'],
        properties: {
          ...DELIVERY_SCHEMA.properties,
          reason: { ...NULLABLE_STRING, description: 'Why a failed, expired, rejected or cancelled delivery ended, in words: the text its failure IMDN carries (e.g. "SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)"); null otherwise.' },
          segments: { type: 'array', items: SEGMENT },
          correlations: { type: 'array', items: CORRELATION },
        },
      },
    },
    events: { type: 'array', description: 'The whole timeline, oldest first.', items: EVENT },
  },
} as const;

export const LIST_MESSAGES_SCHEMA = {
  tags: ['messages'],
  summary: 'Find messages',
  description:
    'Newest first. Every filter given must match; `status`, `channel` and `recipient` must match the same delivery. ' +
    '`q` is an exact id: message id, delivery id, IMDN Message-ID, SIP Call-ID, SMSC message id of any SMS part, ' +
    'or an email ENVID / Message-ID / reply token.',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { ...STATE, description: 'Delivery state.' },
      channel: { ...CHANNEL, description: 'Channel of a delivery.' },
      direction: DIRECTION,
      sender: { type: 'string', minLength: 1, maxLength: 256, description: 'Case-insensitive part of the sender URI.' },
      recipient: { type: 'string', minLength: 1, maxLength: 256, description: 'Case-insensitive part of a recipient URI.' },
      from: { ...DATE_TIME, description: 'Accepted at or after.' },
      to: { ...DATE_TIME, description: 'Accepted before.' },
      q: { type: 'string', minLength: 1, maxLength: 256 },
      session: { type: 'string', minLength: 1, maxLength: 128, description: 'Only messages received in this MSRP session (its id, as in a message\'s `session.id`).' },
      ...PAGING_PROPERTIES,
    },
  },
  response: {
    200: {
      description: 'One page of messages.',
      type: 'object',
      required: ['items', 'nextCursor'],
      properties: { items: { type: 'array', items: { $ref: 'MessageSummary#' } }, nextCursor: NEXT_CURSOR },
    },
    ...problemResponses(400),
  },
} as const;

export const GET_MESSAGE_SCHEMA = {
  tags: ['messages'],
  summary: 'One message: deliveries, SMS parts, correlation ids and the full timeline',
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } },
  response: { 200: { description: 'The message.', $ref: 'MessageDetail#' }, ...problemResponses(404) },
} as const;
