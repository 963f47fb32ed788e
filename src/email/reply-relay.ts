/**
 * An email reply → a SIP MESSAGE to the IM user of the conversation.
 *
 * The reply token in the address it was sent to (Delivered-To first, then To/Cc) names
 * the delivery Herald sent, and so its IM sender. The quoted history is stripped and the
 * text normalised (codecs/email-reply.ts); the result is an MO message (direction mo,
 * source channel email, sender mailto:) with one `sip` delivery, sent by the
 * `sip-deliver` job. Not relayed: automatic mail (RFC 3834 Auto-Submitted, vacation
 * markers, an empty Return-Path), mail without a token, tokens Herald never issued, and
 * replies with no new text.
 */
import { replyFromMime, type EmailReply } from '../codecs/email-reply.js';
import type { MimePart } from '../codecs/mime.js';
import { newId } from '../domain/ids.js';
import { jobForChannel } from '../domain/jobs.js';
import type { NewDelivery, NewMessage } from '../domain/message.js';
import { replyCopies, replyWindowStart } from '../groups/reply-group.js';
import { addrSpecOf, displayNameOf, replyTokenIn, replyTokenKeys } from './addresses.js';
import { alreadyRecorded, correlate, mailDate, type Correlated, type InboundDeps } from './inbound-deps.js';
import { headerValue } from '../codecs/mime.js';

/** Longest text relayed as one IM (characters); the rest is cut with a mark. */
export const REPLY_MAX_IM_CHARS = 16 * 1024;

/** NFC, LF line ends, no trailing blanks, at most one empty line in a row, trimmed. */
export function normaliseReplyText(text: string): string {
  const flat = text
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return flat.length > REPLY_MAX_IM_CHARS ? `${flat.slice(0, REPLY_MAX_IM_CHARS - 1)}…` : flat;
}

async function noteOnOriginal(deps: InboundDeps, target: Correlated, reportKey: string, cause: string, detail: Record<string, unknown>): Promise<void> {
  if (await alreadyRecorded(deps.ledger, target, reportKey)) return;
  await deps.ledger.appendEvent({ messageId: target.message.id, deliveryId: target.delivery.id, type: 'email-reply', cause, detail: { reportKey, ...detail } });
}

function moMessage(reply: EmailReply, root: MimePart, text: string, target: Correlated, reportKey: string, now: Date): NewMessage {
  const from = reply.from;
  const address = addrSpecOf(from) ?? 'unknown@invalid';
  return {
    id: newId(),
    direction: 'mo',
    sourceChannel: 'email',
    senderUri: `mailto:${address}`,
    senderDisplayName: displayNameOf(from),
    imdnRequests: [],
    imdnRoute: [],
    subject: reply.subject,
    contentType: 'text/plain;charset=UTF-8',
    body: Buffer.from(text, 'utf8'),
    sentAt: mailDate(headerValue(root.headers, 'date')) ?? now,
    // The reply's own Message-ID (else its place in the mailbox): a mail read twice is one message.
    dedupeKey: `email-reply:${reportKey}`,
  };
}

/**
 * The copies of a reply to a group message for its other to/cc members (REQ-GROUP-4):
 * the reply token names the group message itself, so no lookup by address is needed; only
 * the window applies.
 * @throws GW_ERR_DB_UNREACHABLE
 */
async function groupCopies(deps: InboundDeps, target: Correlated, now: Date): Promise<NewDelivery[]> {
  const groups = deps.groups;
  if (groups === undefined || !groups.replyToAll || target.delivery.copyControl === undefined) return [];
  if (target.message.createdAt < replyWindowStart(groups, now)) return [];
  const deliveries = await deps.ledger.listDeliveries(target.message.id);
  return replyCopies({ message: target.message, deliveries }, target.delivery.targetUri, groups);
}

/**
 * @returns the outcome (`relayed`, `duplicate`, `auto-reply`, `no-token`, `unknown-token`, `empty`).
 * @throws ledger and queue errors (transient).
 */
export async function handleReply(root: MimePart, reportKey: string, deps: InboundDeps): Promise<string> {
  const { ledger, jobs, settings } = deps;
  const reply = replyFromMime(root);
  const token = replyTokenIn(settings.replyAddress, [...reply.deliveredTo, ...reply.recipients]);
  const target = token === undefined ? undefined : await correlate(ledger, replyTokenKeys(token).map((key) => ['reply-token', key] as const));
  const log = deps.log.child({ msgId: target?.message.id, deliveryId: target?.delivery.id, reportKey });
  if (reply.autoReply !== undefined) {
    log.info({ reason: reply.autoReply, from: reply.from }, 'automatic mail not relayed');
    if (target !== undefined) await noteOnOriginal(deps, target, reportKey, `auto-reply:${reply.autoReply}`, { relayed: false, reason: reply.autoReply });
    return 'auto-reply';
  }
  if (token === undefined) {
    log.info({ from: reply.from, to: reply.recipients }, 'mail without a reply token not relayed');
    return 'no-token';
  }
  if (target === undefined) {
    log.info({ from: reply.from }, 'reply token unknown: not relayed');
    return 'unknown-token';
  }
  const text = normaliseReplyText(reply.text);
  if (text === '') {
    await noteOnOriginal(deps, target, reportKey, 'reply-empty', { relayed: false });
    log.info({ from: reply.from }, 'reply with no new text not relayed');
    return 'empty';
  }
  const now = (deps.now ?? (() => new Date()))();
  const message = moMessage(reply, root, text, target, reportKey, now);
  // Made first: deliveries of one message list in id order, and the IM user's comes first.
  const sipId = newId();
  const copies = await groupCopies(deps, target, now);
  const recorded = await ledger.recordMessage(message, [
    // With copies it is a group message of its own: the copies' list line names the IM user.
    { id: sipId, channel: 'sip', originalRecipientUri: target.delivery.targetUri, targetUri: target.message.senderUri, ...(copies.length > 0 ? { copyControl: 'to' } : {}) },
    ...copies,
  ]);
  for (const delivery of recorded.deliveries) {
    // Enqueued even for a duplicate: a crash may have come between record and enqueue,
    // and the job id (the delivery id) makes a second enqueue a no-op.
    await jobs.enqueue(jobForChannel(delivery.channel), { deliveryId: delivery.id }, { jobId: delivery.id });
  }
  await noteOnOriginal(deps, target, reportKey, 'reply-relayed', { relayed: true, moMessageId: recorded.message.id, from: message.senderUri });
  if (recorded.duplicate) return 'duplicate';
  deps.metrics.messagesAccepted.inc({ direction: 'mo', channel: 'email' });
  log.info({ from: message.senderUri, to: target.message.senderUri, moMessageId: recorded.message.id, copies: copies.length }, 'email reply relayed to its IM user');
  return 'relayed';
}
