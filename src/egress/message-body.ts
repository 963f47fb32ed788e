/**
 * The body of a MESSAGE Herald relays to an IM user. Plain text for now: IM clients all
 * take text/plain (RFC 3428 §9); the CPIM form with an IMDN request comes with the
 * dispositions work.
 */
import type { StoredDelivery, StoredMessage } from '../domain/message.js';

export interface OutgoingBody {
  readonly contentType: string;
  readonly body: Buffer;
}

export function buildMessageBody(message: StoredMessage, _delivery: StoredDelivery, _domain: string): OutgoingBody {
  return { contentType: 'text/plain;charset=UTF-8', body: message.body };
}
