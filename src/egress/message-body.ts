/**
 * The body of a MESSAGE Herald relays to an IM user (an SMS or email reply): the text in
 * CPIM (RFC 3862) with an IMDN request (RFC 5438 §6), so the IM user's client reports
 * delivery and display back and the MO message's timeline shows them
 * (dispositions/incoming-imdn.ts). The payload stays text/plain, which every IM client takes.
 *
 * imdn.Message-ID is the message's own imdn.Message-ID when it came with one, else the
 * message id itself: stable across retries (a client de-duplicates on it), and what the
 * IMDN's `<message-id>` is looked up by. A UUIDv7 has 74 random bits, above RFC 5438's 32.
 */
import { serializeCpim } from '../codecs/cpim.js';
import { buildImdnRequestHeaders } from '../codecs/imdn-request.js';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import { IMDN_HEADER_NS } from '../codecs/cpim.js';
import { senderAsSipUri } from './sender-uri.js';

export interface OutgoingBody {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The notifications Herald asks IM users for on relayed messages. */
export const MO_IMDN_REQUEST = ['positive-delivery', 'display'] as const;

/** The imdn.Message-ID an MO message carries to its IM user (see the module comment). */
export function moImdnMessageId(message: Pick<StoredMessage, 'id' | 'imdnMessageId'>): string {
  return message.imdnMessageId ?? message.id;
}

/**
 * @throws GW_ERR_CPIM_MALFORMED when a URI cannot be written in a CPIM header.
 */
export function buildMessageBody(message: StoredMessage, delivery: StoredDelivery, domain: string, emailDomains: readonly string[] = []): OutgoingBody {
  const body = serializeCpim({
    from: { uri: senderAsSipUri(message.senderUri, domain, emailDomains), displayName: message.senderDisplayName },
    to: [{ uri: delivery.targetUri }],
    cc: [],
    dateTime: message.sentAt.toISOString().replace(/\.000Z$/, 'Z'),
    subjects: message.subject === undefined ? [] : [{ text: message.subject }],
    namespaces: [{ prefix: 'imdn', uri: IMDN_HEADER_NS }],
    headers: buildImdnRequestHeaders({
      messageId: moImdnMessageId(message),
      dispositionNotification: [...MO_IMDN_REQUEST],
      imdnRecordRoute: [],
      imdnRoute: [],
    }),
    contentType: 'text/plain;charset=UTF-8',
    contentHeaders: [],
    body: message.body,
  });
  return { contentType: 'message/cpim', body };
}
