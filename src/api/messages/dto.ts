/**
 * Domain objects of the ledger → the JSON the messages API shows. Absent optionals are
 * null, so a client sees every field every time.
 */
import { isFinal } from '../../domain/delivery-state.js';
import type { DeliveryEvent, StoredDelivery, StoredMessage } from '../../domain/message.js';
import { failureReason } from '../../dispositions/failure-reason.js';
import type { StoredCorrelation, StoredSegment } from '../../ports/ledger.port.js';
import type { MessageDetail, MessageSummary } from '../../ports/message-queries.port.js';
import type { MsrpSessionRecord } from '../../ports/msrp-session-store.port.js';

type Json = Record<string, unknown>;

function iso(date: Date | undefined): string | null {
  return date === undefined ? null : date.toISOString();
}

/** Text when it is valid UTF-8 of a text type, else base64: the dashboard shows text, and bytes survive. */
function bodyDto(message: StoredMessage): Json {
  const isText = /^(text\/|message\/cpim|application\/[\w.+-]*(json|xml))/i.test(message.contentType);
  const text = isText ? new TextDecoder('utf-8', { fatal: false }).decode(message.body) : undefined;
  if (text !== undefined && !text.includes('\uFFFD')) return { encoding: 'utf8', data: text, bytes: message.body.length };
  return { encoding: 'base64', data: message.body.toString('base64'), bytes: message.body.length };
}

export function deliveryDto(delivery: StoredDelivery): Json {
  return {
    id: delivery.id,
    messageId: delivery.messageId,
    channel: delivery.channel,
    originalRecipientUri: delivery.originalRecipientUri,
    targetUri: delivery.targetUri,
    copyControl: delivery.copyControl ?? null,
    state: delivery.state,
    version: delivery.version,
    errorCode: delivery.errorCode ?? null,
    errorText: delivery.errorText ?? null,
    farSideAt: iso(delivery.farSideAt),
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
  };
}

function sessionDto(session: MsrpSessionRecord | undefined): Json | null {
  if (session === undefined) return null;
  return {
    id: session.id,
    callId: session.callId,
    imUser: session.imUser,
    farParty: session.farParty,
    largeMessageMode: session.largeMessageMode,
    secure: session.secure,
    node: session.node,
    startedAt: session.startedAt.toISOString(),
    endedAt: iso(session.endedAt),
    endReason: session.endReason ?? null,
  };
}

function messageHeadDto(message: StoredMessage, session: MsrpSessionRecord | undefined): Json {
  return {
    id: message.id,
    direction: message.direction,
    sourceChannel: message.sourceChannel,
    senderUri: message.senderUri,
    senderDisplayName: message.senderDisplayName ?? null,
    imdnMessageId: message.imdnMessageId ?? null,
    subject: message.subject ?? null,
    contentType: message.contentType,
    sentAt: message.sentAt.toISOString(),
    createdAt: message.createdAt.toISOString(),
    session: sessionDto(session),
  };
}

export function messageSummaryDto(summary: MessageSummary): Json {
  return { ...messageHeadDto(summary.message, summary.session), deliveries: summary.deliveries.map(deliveryDto) };
}

function segmentDto(segment: StoredSegment): Json {
  return {
    id: segment.id,
    deliveryId: segment.deliveryId,
    seq: segment.seq,
    total: segment.total,
    connectionId: segment.connectionId,
    smscMessageId: segment.smscMessageId,
    state: segment.state,
    errorCode: segment.errorCode ?? null,
    submittedAt: segment.submittedAt.toISOString(),
    finalAt: iso(segment.finalAt),
  };
}

function correlationDto(correlation: StoredCorrelation): Json {
  return { kind: correlation.kind, key: correlation.key, deliveryId: correlation.deliveryId, createdAt: correlation.createdAt.toISOString() };
}

function eventDto(event: DeliveryEvent): Json {
  return {
    id: event.id,
    deliveryId: event.deliveryId ?? null,
    at: event.at.toISOString(),
    type: event.type,
    fromState: event.fromState ?? null,
    toState: event.toState ?? null,
    cause: event.cause,
    detail: event.detail,
  };
}

export function messageDetailDto(detail: MessageDetail): Json {
  const { message } = detail;
  return {
    ...messageHeadDto(message, detail.session),
    imdnRequests: [...message.imdnRequests],
    imdnRoute: [...message.imdnRoute],
    sipCallId: message.sipCallId ?? null,
    body: bodyDto(message),
    deliveries: detail.deliveries.map((delivery) => ({
      ...deliveryDto(delivery),
      // The words the sender's failure IMDN carries, not the receipt's raw `UNDELIV err 27`.
      reason: isFinal(delivery.state) && delivery.state !== 'delivered' ? failureReason(delivery, detail.events).reason : null,
      segments: detail.segments.filter((s) => s.deliveryId === delivery.id).map(segmentDto),
      correlations: detail.correlations.filter((c) => c.deliveryId === delivery.id).map(correlationDto),
    })),
    events: detail.events.map(eventDto),
  };
}
