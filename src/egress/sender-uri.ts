/** Shared by the MESSAGE's SIP From (sip-deliver.ts) and its CPIM From (message-body.ts). */

/** Where a message from a phone number or an email address appears to come from. */
export function senderAsSipUri(senderUri: string, domain: string): string {
  if (senderUri.startsWith('sip:') || senderUri.startsWith('sips:')) return senderUri;
  if (senderUri.startsWith('tel:')) return `sip:${senderUri.slice(4)}@${domain};user=phone`;
  if (senderUri.startsWith('mailto:')) return `sip:${encodeURIComponent(senderUri.slice(7))}@${domain}`;
  return `sip:${encodeURIComponent(senderUri)}@${domain}`;
}
