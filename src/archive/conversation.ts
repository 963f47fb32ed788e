/**
 * Who a message is between, as the archive sees it: one conversation is one IM user and
 * one peer (an MSISDN or email address), whichever way the message went. Ids derived
 * here are stable, so every retry and every node writes the same headers.
 */
import { createHash } from 'node:crypto';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';

/** One IM user ⇄ peer pair a message belongs to, with the deliveries on it. */
export interface Conversation {
  readonly user: string;
  readonly peer: string;
  readonly deliveries: readonly StoredDelivery[];
}

/**
 * One spelling per peer, so a conversation stays in one folder and one thread whatever
 * case the far side writes (mail systems change it: `Bob@Example.com` replies to mail
 * sent to `bob@example.com`): an email address is lower-cased whole (local parts are
 * case-insensitive in practice), a number loses its visual separators, any other URI
 * gets a lower-case scheme and host.
 */
export function canonicalPeer(uri: string): string {
  const colon = uri.indexOf(':');
  const scheme = colon > 0 ? uri.slice(0, colon).toLowerCase() : '';
  const rest = colon > 0 ? uri.slice(colon + 1) : uri;
  if (scheme === 'mailto') return `mailto:${rest.split('?')[0]?.toLowerCase() ?? ''}`;
  if (scheme === 'tel') return `tel:${rest.replace(/[-.()\s]/g, '')}`;
  const at = rest.lastIndexOf('@');
  return at < 0 ? `${scheme}:${rest}` : `${scheme}:${rest.slice(0, at)}@${rest.slice(at + 1).toLowerCase()}`;
}

/**
 * MT: the IM sender with each recipient; MO: each IM user reached with the SMS/email
 * sender. Deliveries to the same pair are kept together. `personOf` names the person
 * behind a URI (the directory's, see people.ts); without it, peers are canonical spellings.
 */
export function conversationsOf(message: StoredMessage, deliveries: readonly StoredDelivery[], personOf: (uri: string) => string = canonicalPeer): Conversation[] {
  const pairs = new Map<string, { user: string; peer: string; deliveries: StoredDelivery[] }>();
  for (const delivery of deliveries) {
    const [user, peer] = message.direction === 'mt' ? [message.senderUri, personOf(delivery.targetUri)] : [delivery.targetUri, personOf(message.senderUri)];
    const key = `${user}\u0000${peer}`;
    const pair = pairs.get(key) ?? { user, peer, deliveries: [] };
    pair.deliveries.push(delivery);
    pairs.set(key, pair);
  }
  return [...pairs.values()];
}

/** `<message-id@domain>` of the archived copy of a Herald message. */
export function archiveMessageId(msgId: string, domain: string): string {
  return `<${msgId}@${domain}>`;
}

/** `<msgId.eEVENT@domain>` of the report archived for one timeline event. */
export function reportMessageId(msgId: string, eventId: string, domain: string): string {
  return `<${msgId}.e${eventId}@${domain}>`;
}

/**
 * The Message-ID of the conversation's root mail (compose-root.ts): appended once per
 * folder before anything else of the conversation, and named by every archived mail of
 * it in In-Reply-To/References, so threading clients (RFC 5256 REFERENCES, JWZ) put the
 * whole conversation under one real message, with no placeholder parent.
 */
export function threadRootId(user: string, peer: string, domain: string): string {
  const hash = createHash('sha256').update(`${user.toLowerCase()}\u0000${peer.toLowerCase()}`).digest('hex').slice(0, 32);
  return `<conv-${hash}@${domain}>`;
}

/**
 * The display name of a URI in From/To when the directory gave none: the number for
 * `tel:`, nothing for an address (the address says it all; a raw URI as name, as in
 * `"sip:alice@…" <alice@…>`, only clutters).
 */
export function uriDisplayName(uri: string, name?: string): string | undefined {
  if (name !== undefined && name.trim() !== '') return name;
  return /^tel:/i.test(uri) ? uri.slice(4).split(';')[0] : undefined;
}

const LOCAL_PART_UNSAFE = /[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g;
const DOMAIN_UNSAFE = /[^A-Za-z0-9.-]/g;

/**
 * An RFC 5322 addr-spec for a URI, so From/To are searchable (IMAP SEARCH FROM/TO) with
 * the part users know: `sip:alice@example.com` → `alice@example.com`, `mailto:b@x.org` →
 * `b@x.org`, `tel:+15551234567` → `+15551234567@<domain>`. Anything else in the local
 * part becomes `_`, so no URI can break the header.
 */
export function addressOf(uri: string, domain: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase() ?? '';
  const rest = uri.slice(scheme === '' ? 0 : scheme.length + 1).split(/[;?]/)[0] ?? '';
  const at = rest.lastIndexOf('@');
  const local = (at < 0 ? rest : rest.slice(0, at)).replace(LOCAL_PART_UNSAFE, '_').replace(/^\.+|\.+$/g, '').replace(/\.{2,}/g, '.') || 'unknown';
  const host = at < 0 ? domain : (rest.slice(at + 1).split(':')[0] ?? '').replace(DOMAIN_UNSAFE, '') || domain;
  return `${local}@${host}`;
}
