/**
 * The email for one IM delivery (pure): who it is from, how it threads, which reports it
 * asks for, and its body.
 *
 * Reports follow the IM's IMDN request (RFC 5438 §7.2.1.1 → RFC 3461 §4.1, RFC 8098 §2.1):
 *
 * | IMDN request      | email request                                |
 * |-------------------|----------------------------------------------|
 * | positive-delivery | NOTIFY=SUCCESS                               |
 * | negative-delivery | NOTIFY=FAILURE                               |
 * | processing        | NOTIFY=DELAY (a delayed DSN → processing stored) |
 * | display           | Disposition-Notification-To: the reports address |
 * | none of the first three | NOTIFY=NEVER                           |
 */
import { charsetOfContentType, decodeCharset } from '../codecs/charset.js';
import type { ImdnRequestToken, StoredDelivery, StoredMessage } from '../domain/message.js';
import { messageSubject, senderName } from '../domain/subject.js';
import type { PreparedMail } from '../ports/email-store.port.js';
import type { DsnNotify, MailAddress, MailAttachment, OutgoingMail } from '../ports/mail-transport.port.js';
import { replyAddressFor } from './addresses.js';
import { groupHeaders } from './group-headers.js';
import type { EmailSettings } from './settings.js';

/** NOTIFY values for an IMDN request, in RFC 3461 order. */
export function dsnNotifyFor(requests: readonly ImdnRequestToken[]): DsnNotify[] {
  const notify: DsnNotify[] = [];
  if (requests.includes('positive-delivery')) notify.push('SUCCESS');
  if (requests.includes('negative-delivery')) notify.push('FAILURE');
  if (requests.includes('processing')) notify.push('DELAY');
  return notify.length === 0 ? ['NEVER'] : notify;
}

/** What the directory says about the IM sender, when it knows them. */
export interface SenderIdentity {
  readonly email?: string | undefined;
  readonly displayName?: string | undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function decodeText(body: Buffer, contentType: string): string {
  // The text was accepted at ingress; an unknown label is read as UTF-8.
  return decodeCharset(body, charsetOfContentType(contentType));
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
  'application/pdf': 'pdf',
  'text/vcard': 'vcf',
};

interface Body {
  readonly text: string;
  readonly html?: string | undefined;
  readonly attachments: readonly MailAttachment[];
}

/** Text IMs become a text and an HTML part; anything else an attachment with a note. */
function bodyOf(message: StoredMessage, who: string): Body {
  const mediaType = message.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === 'text/plain' || mediaType === '') {
    const text = decodeText(message.body, message.contentType);
    const html = `<!DOCTYPE html><html><body><div style="white-space:pre-wrap">${escapeHtml(text)}</div></body></html>`;
    return { text, html, attachments: [] };
  }
  if (mediaType === 'text/html') return { text: `${who} sent an HTML message (attached).`, attachments: [{ filename: 'message.html', contentType: message.contentType, content: message.body }] };
  const ext = EXTENSIONS[mediaType] ?? (mediaType.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin');
  const filename = `attachment.${ext}`;
  return { text: `${who} sent you ${filename} (${mediaType}).`, attachments: [{ filename, contentType: mediaType, content: message.body }] };
}

export interface ComposeInput {
  readonly message: StoredMessage;
  readonly delivery: StoredDelivery;
  readonly recipient: string;
  readonly prepared: PreparedMail;
  readonly sender: SenderIdentity;
  readonly settings: EmailSettings;
  /** Every delivery of the message, when it went to a recipient list (To/Cc, REQ-GROUP-2). */
  readonly group?: readonly StoredDelivery[] | undefined;
}

/** The mail for one delivery. Header safety is the transport's (adapters/smtp). */
export function composeMail(input: ComposeInput): OutgoingMail {
  const { message, delivery, recipient, prepared, sender, settings } = input;
  const name = senderName(message, sender.displayName);
  const from: MailAddress = { name, address: sender.email ?? settings.fromAddress };
  // The archive's copy takes its subject from the same rule (src/domain/subject.ts).
  const subject = messageSubject(message.subject, settings.subjectTemplate, name);
  const group = input.group === undefined ? undefined : groupHeaders(input.group, delivery.id, recipient);
  const plain = bodyOf(message, name);
  const preamble = group === undefined || group.preamble.length === 0 ? '' : `${group.preamble.join('\n')}\n\n`;
  const body: Body = {
    text: `${preamble}${plain.text}`,
    html: plain.html === undefined || preamble === '' ? plain.html : plain.html.replace('<body>', `<body><p>${escapeHtml(preamble.trim()).replaceAll('\n', '<br>')}</p>`),
    attachments: plain.attachments,
  };
  return {
    envelope: { from: settings.bounceAddress, to: recipient },
    from,
    to: { address: recipient },
    ...(group === undefined ? {} : { headerTo: group.to, cc: group.cc }),
    replyTo: replyAddressFor(settings.replyAddress, prepared.replyToken),
    subject,
    messageId: prepared.messageId,
    inReplyTo: prepared.inReplyTo,
    references: prepared.references,
    date: message.sentAt,
    text: body.text,
    html: body.html,
    attachments: body.attachments,
    dispositionNotificationTo: message.imdnRequests.includes('display') ? settings.reportsAddress : undefined,
    dsn: { envelopeId: delivery.id, notify: dsnNotifyFor(message.imdnRequests), originalRecipient: recipient },
  };
}
