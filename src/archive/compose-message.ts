/**
 * The archived copy of one Herald message (pure): an RFC 5322 mail with the original
 * time, the IM user and the peer as From/To (directory names), the email channel's subject
 * rule, threading headers naming the conversation's root mail, a text body (plus the original non-text content as a part) and X-Herald-* headers.
 */
import { charsetOfContentType, decodeCharset } from '../codecs/charset.js';
import type { StoredDelivery, StoredMessage } from '../domain/message.js';
import { messageSubject, senderName } from '../domain/subject.js';
import type { MsrpSessionRecord } from '../ports/msrp-session-store.port.js';
import { addressOf, archiveMessageId, canonicalPeer, uriDisplayName, type Conversation } from './conversation.js';
import { base64Lines, HeaderBlock, mailbox, rfc5322Date } from './mail-headers.js';

export interface ArchiveMailInput {
  readonly message: StoredMessage;
  /** Every delivery of the message (X-Herald-Delivery lists them all). */
  readonly deliveries: readonly StoredDelivery[];
  /** The conversations this copy files (one, unless the folder holds several peers). */
  readonly conversations: readonly Conversation[];
  readonly threadRoot: string;
  readonly domain: string;
  /** Subject when the IM has none: `smtp.subjectTemplate`, the email channel's (src/domain/subject.ts). */
  readonly subjectTemplate: string;
  /** Directory display names (people.ts); none: names from the message only. */
  readonly nameOf?: ((uri: string) => string | undefined) | undefined;
  /** The MSRP session the message came in (session mode); named in X-Herald-Session. */
  readonly session?: MsrpSessionRecord | undefined;
}

/** The message's text in its declared charset (UTF-8 when the label is unknown). */
export function messageText(message: StoredMessage): string | undefined {
  const mediaType = message.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'text/plain' && mediaType !== '') return undefined;
  return decodeCharset(message.body, charsetOfContentType(message.contentType));
}

function channelsOf(message: StoredMessage, deliveries: readonly StoredDelivery[]): string {
  const channels = message.direction === 'mo' ? [message.sourceChannel] : [...new Set(deliveries.map((d) => d.channel))];
  return channels.join(', ');
}

/** The archived subject of a message: the email channel's rule, with the directory's name for the sender. */
export function archivedSubject(message: StoredMessage, subjectTemplate: string, nameOf?: (uri: string) => string | undefined): string {
  return messageSubject(message.subject, subjectTemplate, senderName(message, nameOf?.(message.senderUri)));
}

function recipientsOf(input: ArchiveMailInput, copy: 'to' | 'cc' | 'bcc'): string[] {
  const { message, domain } = input;
  if (message.direction === 'mo') return copy === 'to' ? [...new Set(input.conversations.map((c) => c.user))].map((u) => mailbox(addressOf(u, domain), uriDisplayName(u, input.nameOf?.(u)))) : [];
  return input.conversations
    .flatMap((c) => c.deliveries)
    .filter((d) => (d.copyControl ?? 'to') === copy)
    .map((d) => canonicalPeer(d.targetUri))
    .map((peer) => mailbox(addressOf(peer, domain), uriDisplayName(peer, input.nameOf?.(peer))));
}

/**
 * `<session id>; call-id=…; transport=msrp|msrps; started=<ISO>` (and `; large-message-mode`):
 * enough to find every archived message of one chat (SEARCH HEADER X-Herald-Session <id>)
 * and the session in the API. The start is fixed, the end is not: a retry writes the same bytes.
 */
export function sessionHeaderValue(session: MsrpSessionRecord): string {
  const parts = [session.id, `call-id=${session.callId}`, `transport=${session.secure ? 'msrps' : 'msrp'}`, `started=${session.startedAt.toISOString()}`];
  if (session.largeMessageMode) parts.push('large-message-mode');
  return parts.join('; ');
}

/** The mail, CRLF line ends, ready for APPEND. */
export function composeArchivedMessage(input: ArchiveMailInput): Buffer {
  const { message, deliveries, domain } = input;
  const headers = new HeaderBlock();
  const sender = message.direction === 'mo' ? canonicalPeer(message.senderUri) : message.senderUri;
  const directoryName = input.nameOf?.(message.senderUri);
  headers.raw('From', mailbox(addressOf(sender, domain), uriDisplayName(sender, message.senderDisplayName ?? directoryName)));
  for (const copy of ['to', 'cc', 'bcc'] as const) {
    const list = recipientsOf(input, copy);
    if (list.length > 0) headers.raw(copy === 'to' ? 'To' : copy === 'cc' ? 'Cc' : 'Bcc', list.join(', '));
  }
  headers.raw('Date', rfc5322Date(message.sentAt));
  // The email channel's rule: the subject an email recipient saw is the archived one.
  headers.text('Subject', archivedSubject(message, input.subjectTemplate, input.nameOf));
  headers.raw('Message-ID', archiveMessageId(message.id, domain));
  headers.raw('In-Reply-To', input.threadRoot);
  headers.raw('References', input.threadRoot);
  headers.raw('MIME-Version', '1.0');
  headers.raw('X-Herald-Message-Id', message.id);
  headers.raw('X-Herald-Direction', message.direction);
  headers.raw('X-Herald-Channel', channelsOf(message, deliveries));
  for (const c of input.conversations) {
    headers.text('X-Herald-User', c.user);
    headers.text('X-Herald-Peer', c.peer);
  }
  for (const d of deliveries) headers.text('X-Herald-Delivery', `${d.id}; channel=${d.channel}; to=${d.targetUri}; state=${d.state}`);
  headers.raw('X-Herald-Status', [...new Set(deliveries.map((d) => d.state))].join(', ') || 'none');
  if (message.imdnMessageId !== undefined) headers.text('X-Herald-Imdn-Message-Id', message.imdnMessageId);
  if (input.session !== undefined) headers.text('X-Herald-Session', sessionHeaderValue(input.session));

  const text = messageText(message);
  if (text !== undefined) {
    headers.raw('Content-Type', 'text/plain; charset=utf-8').raw('Content-Transfer-Encoding', 'base64');
    return Buffer.from(`${headers.toString()}\r\n${base64Lines(Buffer.from(text, 'utf8'))}\r\n`, 'utf8');
  }
  // Non-text content: a readable note, then the original bytes under their own type.
  // Derived from the id, so every retry writes the same bytes; base64 never contains `=_`.
  const boundary = `=_herald-${message.id}`;
  const mediaType = (message.contentType.split(';')[0]?.trim().toLowerCase() ?? '').replace(/[^a-z0-9!#$&^_.+/-]/g, '') || 'application/octet-stream';
  const extension = mediaType.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin';
  const note = `${senderName(message, directoryName)} sent ${mediaType} content (${message.body.length} bytes), attached.`;
  headers.raw('Content-Type', `multipart/mixed; boundary="${boundary}"`);
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(note, 'utf8')),
    `--${boundary}`,
    `Content-Type: ${mediaType}`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="message.${extension}"`,
    '',
    base64Lines(message.body),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return Buffer.from(`${headers.toString()}\r\n${body}`, 'utf8');
}
