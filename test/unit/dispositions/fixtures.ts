/** Stored messages, deliveries and events for the dispositions unit tests. */
import type { DeliveryEvent, StoredDelivery, StoredMessage } from '../../../src/domain/message.js';

export const AT = new Date('2026-11-26T06:14:30Z');

export function message(over: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id: 'm-1',
    direction: 'mt',
    sourceChannel: 'sip',
    senderUri: 'sip:alice@example.com',
    imdnMessageId: 'TQ8lhPzudMrn',
    imdnRequests: ['positive-delivery', 'negative-delivery', 'interworking'],
    imdnRoute: [],
    contentType: 'text/plain',
    body: Buffer.from('hi'),
    sentAt: AT,
    dedupeKey: 'k',
    createdAt: AT,
    ...over,
  };
}

export function delivery(over: Partial<StoredDelivery> = {}): StoredDelivery {
  return {
    id: 'd-1',
    messageId: 'm-1',
    channel: 'sms',
    originalRecipientUri: 'sip:+15551234567@gw.example.com',
    targetUri: 'tel:+15551234567',
    state: 'delivered',
    version: 4,
    createdAt: AT,
    updatedAt: new Date('2026-11-26T06:20:00Z'),
    ...over,
  };
}

let seq = 0;
export function event(over: Partial<DeliveryEvent> & Pick<DeliveryEvent, 'type'>): DeliveryEvent {
  seq++;
  return { id: String(seq), messageId: 'm-1', deliveryId: 'd-1', at: AT, cause: 'test', detail: {}, ...over };
}
