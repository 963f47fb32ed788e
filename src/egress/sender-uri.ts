/** Shared by the MESSAGE's SIP From (sip-deliver.ts) and its CPIM From (message-body.ts). */

/**
 * The SIP header naming Herald itself on a MESSAGE it sends on someone else's behalf (an
 * IMDN for the recipient, an SMS or email reply for its sender): From is the author, as the
 * IM client knows them, and Sender the agent that actually sent it, with the meaning
 * RFC 5322 §3.6.2 gives the two. Not P-Asserted-Identity, which asserts who the author is.
 */
export const GATEWAY_IDENTITY_HEADER = 'Sender';

/**
 * Where a message from a phone number or an email address appears to come from: the URI an
 * IM user writes to reach them, so the client files it in the same chat. A number becomes
 * `sip:+E164@<sip.domain>;user=phone` (what IM users address numbers as on this gateway); an
 * address in one of `emailDomains` (routing.emailDomains, which IM users write as
 * `sip:bob@example.com`) keeps that form; any other address is escaped into the gateway's
 * domain (`sip:bob%40example.org@<sip.domain>`).
 */
export function senderAsSipUri(senderUri: string, domain: string, emailDomains: readonly string[] = []): string {
  if (senderUri.startsWith('sip:') || senderUri.startsWith('sips:')) return senderUri;
  if (senderUri.startsWith('tel:')) return `sip:${senderUri.slice(4)}@${domain};user=phone`;
  if (senderUri.startsWith('mailto:')) {
    const address = senderUri.slice(7);
    const at = address.lastIndexOf('@');
    const host = at > 0 ? address.slice(at + 1).toLowerCase() : '';
    if (host !== '' && emailDomains.some((d) => d.toLowerCase() === host)) {
      return `sip:${encodeURIComponent(address.slice(0, at))}@${host}`;
    }
    return `sip:${encodeURIComponent(address)}@${domain}`;
  }
  return `sip:${encodeURIComponent(senderUri)}@${domain}`;
}
