/**
 * Dispositions as report mails in the conversation's thread (pure): one per final
 * delivery state and one per IMDN sent to or received from the IM user, each a reply to
 * the archived message. Reports are chosen over IMAP keywords because they keep when and
 * why (time, reason, delivery id) and cannot be unset by a client (see docs/archive.md).
 */
import { isFinal } from '../domain/delivery-state.js';
import type { DeliveryEvent, StoredDelivery, StoredMessage } from '../domain/message.js';
import { addressOf, archiveMessageId, reportMessageId } from './conversation.js';
import { base64Lines, HeaderBlock, mailbox, rfc5322Date } from './mail-headers.js';

/** Timeline events archived as reports. */
export type ReportKind = 'state' | 'imdn-sent' | 'imdn-received';

/** Whether an event becomes a report: final states, and IMDNs either way. */
export function reportKindOf(event: DeliveryEvent): ReportKind | undefined {
  if (event.type === 'state') return event.toState !== undefined && isFinal(event.toState) ? 'state' : undefined;
  if (event.type === 'imdn-sent' || event.type === 'imdn-received') return event.type;
  return undefined;
}

export interface ReportInput {
  readonly message: StoredMessage;
  readonly event: DeliveryEvent;
  readonly kind: ReportKind;
  readonly delivery?: StoredDelivery | undefined;
  /** The IM user whose folder the report files in. */
  readonly user: string;
  readonly threadRoot: string;
  readonly domain: string;
  /** The archived message's subject (compose-message.ts archivedSubject), so a report reads as its reply. */
  readonly subject: string;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** What the report says, as a subject word and a status token for X-Herald-* headers. */
function summaryOf(input: ReportInput): { readonly title: string; readonly status: string } {
  const { event, kind } = input;
  if (kind === 'state') {
    const state = event.toState ?? 'unknown';
    return { title: state.charAt(0).toUpperCase() + state.slice(1), status: state };
  }
  const type = str(event.detail.kind) ?? str(event.detail.type) ?? 'imdn';
  const status = str(event.detail.status) ?? 'unknown';
  return { title: `IMDN ${kind === 'imdn-sent' ? 'sent' : 'received'} (${type}: ${status})`, status: `${type}/${status}` };
}

/** The report mail, CRLF line ends, ready for APPEND. */
export function composeReport(input: ReportInput): Buffer {
  const { message, event, kind, delivery, domain } = input;
  const { title, status } = summaryOf(input);
  const original = archiveMessageId(message.id, domain);
  const peer = delivery === undefined ? undefined : message.direction === 'mt' ? delivery.targetUri : message.senderUri;
  const headers = new HeaderBlock()
    // Herald speaks here, not the peer: SEARCH FROM/TO the peer finds the messages only.
    .raw('From', mailbox(`herald@${domain}`, 'Herald gateway'))
    .raw('To', mailbox(addressOf(input.user, domain), input.user))
    .raw('Date', rfc5322Date(event.at))
    .text('Subject', `${title}: ${input.subject}`)
    .raw('Message-ID', reportMessageId(message.id, event.id, domain))
    .raw('In-Reply-To', original)
    .raw('References', `${input.threadRoot} ${original}`)
    .raw('Auto-Submitted', 'auto-generated')
    .raw('MIME-Version', '1.0')
    .raw('X-Herald-Message-Id', message.id)
    .raw('X-Herald-Direction', message.direction)
    .raw('X-Herald-Report', kind);
  if (delivery !== undefined) headers.raw('X-Herald-Delivery-Id', delivery.id).raw('X-Herald-Channel', delivery.channel);
  if (peer !== undefined) headers.text('X-Herald-Peer', peer);
  if (kind === 'state') headers.raw('X-Herald-Final-Status', status);
  else headers.text('X-Herald-Imdn', status);
  const lines = [
    `${title} — Herald message ${message.id}${delivery === undefined ? '' : `, delivery ${delivery.id} (${delivery.channel} to ${delivery.targetUri})`}.`,
    `When: ${event.at.toISOString()}`,
    `Cause: ${event.cause}`,
  ];
  const errorText = str(event.detail.errorText);
  const errorCode = str(event.detail.errorCode);
  if (errorCode !== undefined || errorText !== undefined) lines.push(`Reason: ${[errorCode, errorText].filter((v) => v !== undefined).join(' ')}`);
  const farSideAt = str(event.detail.farSideAt);
  if (farSideAt !== undefined) lines.push(`Far side time: ${farSideAt}`);
  headers.raw('Content-Type', 'text/plain; charset=utf-8').raw('Content-Transfer-Encoding', 'base64');
  return Buffer.from(`${headers.toString()}\r\n${base64Lines(Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8'))}\r\n`, 'utf8');
}
