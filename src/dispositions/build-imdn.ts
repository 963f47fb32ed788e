/**
 * The message/imdn+xml document of one notification (RFC 5438 "IMDN Format"):
 * `<message-id>` the sender's imdn.Message-ID, `<datetime>` when it happened on the far
 * side (REQ-DISNOT-6), `<recipient-uri>` the tel:/mailto: reached, `<original-recipient-uri>`
 * what the sender addressed, `<subject>` when there was one, and for a failure Herald's
 * error-reason extension (src/codecs/imdn.ts). Compact: nothing else (REQ-DISNOT-9).
 */
import { serializeImdn, type ImdnNotification } from '../codecs/imdn.js';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import { heraldError } from '../errors.js';

export interface ImdnContent {
  readonly message: StoredMessage;
  /** The delivery reported on; omitted for a group summary (no single recipient). */
  readonly delivery?: StoredDelivery | undefined;
  readonly notification: ImdnNotification;
  /** When it happened on the far side (or when Herald learnt it): never "now". */
  readonly at: Date;
  readonly reason?: string | undefined;
  readonly code?: string | undefined;
}

const FAILURE_STATUSES: ReadonlySet<string> = new Set(['failed', 'error', 'forbidden']);

/** RFC 3339 in UTC, without the `.000` milliseconds most clients do not expect. */
export function imdnDateTime(at: Date): string {
  return at.toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * @throws GW_ERR_GATEWAY_INTERNAL when the message has no imdn.Message-ID (nothing could
 *   correlate the IMDN; callers check first); GW_ERR_IMDN_MALFORMED from the codec.
 */
export function buildImdnXml(content: ImdnContent): string {
  const { message, delivery, notification } = content;
  if (message.imdnMessageId === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', `message ${message.id} has no imdn.Message-ID`);
  const failure = FAILURE_STATUSES.has(notification.status);
  return serializeImdn({
    messageId: message.imdnMessageId,
    datetime: imdnDateTime(content.at),
    recipientUri: delivery?.targetUri,
    originalRecipientUri: delivery?.originalRecipientUri,
    subject: message.subject,
    notification,
    errorReason: failure ? content.reason : undefined,
    errorCode: failure ? content.code : undefined,
  });
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function elementText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1]?.replace(/&(amp|lt|gt|quot|apos);/g, (_, entity: string) => XML_ENTITIES[entity] ?? '');
}

/**
 * Who an IMDN speaks as: the recipient of the message it reports on, by the URI the sender
 * addressed (`<original-recipient-uri>`, i.e. the delivery's originalRecipientUri), else the
 * one reached. RFC 5438 makes the recipient the notifier, and clients match an IMDN to the
 * chat with whoever sent it: liblinphone looks the message up in the chat room of the IMDN's
 * From and logs "Received IMDN for unknown message" for any other From. Undefined for a
 * group summary, which names no single recipient: Herald speaks for itself there.
 * Reads the document buildImdnXml wrote (compact, escaped by the codec), so a pattern does.
 */
export function imdnSpeakerUri(payload: string): string | undefined {
  return elementText(payload, 'original-recipient-uri') ?? elementText(payload, 'recipient-uri');
}
