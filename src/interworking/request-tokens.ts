/**
 * Which IMDN request token (RFC 5438 §7.2.1.1, OMA CPM `interworking`) licenses which
 * notification. RFC 5438 §7.2.1.1: a notification is sent only when its disposition was
 * asked for, so `positive-delivery` alone never yields a failure report, and a message
 * with no `imdn.Disposition-Notification` yields nothing at all.
 */
import type { ImdnNotification } from '../codecs/imdn.js';
import type { Channel, ImdnRequestToken } from '../domain/message.js';

/**
 * | notification             | status                      | sent only when the sender asked for |
 * |--------------------------|-----------------------------|-------------------------------------|
 * | delivery-notification    | delivered                   | positive-delivery                   |
 * | delivery-notification    | failed, forbidden, error    | negative-delivery                   |
 * | display-notification     | displayed, forbidden, error | display                             |
 * | processing-notification  | processed, stored, forbidden, error | processing                  |
 * | interworking-notification| legacy-sms, legacy-mms, error | interworking                      |
 */
export const TOKEN_FOR_NOTIFICATION: {
  readonly [T in ImdnNotification['type']]: Readonly<Record<Extract<ImdnNotification, { type: T }>['status'], ImdnRequestToken>>;
} = {
  delivery: { delivered: 'positive-delivery', failed: 'negative-delivery', forbidden: 'negative-delivery', error: 'negative-delivery' },
  display: { displayed: 'display', forbidden: 'display', error: 'display' },
  processing: { processed: 'processing', stored: 'processing', forbidden: 'processing', error: 'processing' },
  interworking: { 'legacy-sms': 'interworking', 'legacy-mms': 'interworking', error: 'interworking' },
};

/**
 * Channels that can never report a display (3GPP TS 23.204: an IP-SM-GW ignores read
 * requests; SMS has no read receipt). Herald must not invent `displayed` for them.
 */
export const NO_DISPLAY_CHANNELS: ReadonlySet<Channel> = new Set<Channel>(['sms']);

/** The request token a notification needs. */
export function tokenFor(notification: ImdnNotification): ImdnRequestToken {
  const byStatus = TOKEN_FOR_NOTIFICATION[notification.type] as Readonly<Record<string, ImdnRequestToken>>;
  const token = byStatus[notification.status];
  // The codec's types make every (type, status) pair a key above; this guards bad casts.
  if (token === undefined) throw new TypeError(`no request token for ${notification.type}/${notification.status}`);
  return token;
}

/**
 * Whether `notification` may be sent for a delivery on `channel` to a sender who asked
 * for `requests`. A display-notification is never sent for an SMS delivery, whatever
 * was asked.
 */
export function isRequested(requests: readonly ImdnRequestToken[], notification: ImdnNotification, channel: Channel): boolean {
  if (notification.type === 'display' && NO_DISPLAY_CHANNELS.has(channel)) return false;
  return requests.includes(tokenFor(notification));
}
