/**
 * Bounces that are not RFC 3464 DSNs: about 4 in 10 real ones are plain text or vendor
 * formats (qmail, Yahoo, Gmail before 2011, Exchange 2003, Exim without DSN, Domino,
 * DragonFly, MailMarshal, filters, sendmail delay warnings). This reads what a person
 * would: is it a failure or a delay notice, which status and diagnostic does the text
 * give, and which Message-IDs does the returned copy carry (the correlation keys).
 *
 * Why own code: no well-kept bounce parser exists on npm (Sisimai, the one the field
 * trusts, is Perl/Ruby/Go; `baunsu` and `email-bounce-parser` are small and stale). The
 * rules here are few and general, tested on real samples (test/fixtures/mail/bounces).
 * Pure: a parsed MIME tree in, a classification out. Linear scans, bounded input.
 */
import { htmlToText } from './email-reply.js';
import {
  decodeCharset,
  decodeEncodedWords,
  headerValue,
  normalizeMessageId,
  returnedHeadersOf,
  walkParts,
  type MimeHeader,
  type MimePart,
} from './mime.js';

/** Most human text examined (characters): bounce notices are short, returned copies are not. */
export const BOUNCE_MAX_TEXT_CHARS = 256 * 1024;
/** Most returned Message-IDs tried for correlation. */
export const BOUNCE_MAX_MESSAGE_IDS = 8;
/** Longest diagnostic kept (characters). */
export const BOUNCE_MAX_DIAGNOSTIC_CHARS = 500;

/** A non-RFC 3464 bounce, read from its text. */
export interface TextBounce {
  readonly action: 'failed' | 'delayed';
  /** RFC 3463 status found in the text, else the class the wording implies (5.0.0/4.0.0). */
  readonly status: string;
  readonly statusClass: 4 | 5;
  /** The line(s) of the SMTP answer or reason the notice quotes, on one line. */
  readonly diagnostic?: string;
  /** The recipient the notice names (X-Failed-Recipients first). */
  readonly recipient?: string;
  /** `<id>`s of the returned message (Message-ID lines only, never References). */
  readonly returnedMessageIds: readonly string[];
  readonly originalSubject?: string;
}

/** Who sends bounces: the local part of From, or its display name. */
const DAEMON_LOCAL_PART = /^(mailer-daemon|mailer_daemon|postmaster|mail-daemon|mailerdaemon|mmdf|bounce|bounces)$/i;
const DAEMON_NAME = /mail delivery (system|subsystem|service)|mail deliver system|mail administrator|system administrator|mailer-daemon|postmaster/i;

/** Subjects of failure and delay notices across MTAs and languages. */
const BOUNCE_SUBJECT =
  /^\s*(undeliverable|undelivered|undeliverable mail|non[- ]?deliver|delivery (status notification|failure|has failed|notification)|mail delivery (failed|failure|problem)|failure notice|returned mail|delivery failure|message delivery failure|could not send message|warning: could not send|delayed mail|delivery delayed|mail system error|unzustellbar|nicht zustellbar|non remis|onbestelbaar|no se puede entregar|non recapitabile|ваше сообщение не доставлено|недоставленное сообщение)/i;

/** Sentences that say a message failed. */
const FAILURE_TEXT =
  /could not be delivered|couldn't be delivered|was not delivered|wasn't able to deliver|was not able to be\s+delivered|unable to deliver|undeliverable|delivery (to the following recipients? )?(has )?failed|failed permanently|permanent (error|failure|fatal)|did not reach the following recipient|had (permanent fatal errors|delivery errors)|returning message to sender|не может быть доставлено/i;
/** Sentences that say a message is late but still tried. */
const DELAY_TEXT =
  /this is a warning message only|has been delayed|delivery (is|has been) delayed|not yet been delivered|still undelivered|will (keep|continue) trying|will be retried|you do not need to resend/i;

/** Where the returned copy starts in a single-part notice. */
const RETURNED_MARKER =
  /^[ \t]*(-+ ?Below this line is a copy of the message|-+ This is a copy of (the|your) message|-+ ?Original message ?-*|-* ?Original message follows\.? ?-*$|-+ ?Message header follows ?-*|-+ ?Unsent message below ?-*|-+ ?The header of the original message is following\.? ?-*|Message headers follow\.?).*$/im;

const ENHANCED_STATUS = /(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?![\d.])/;
/** An SMTP reply code (RFC 5321 §4.2) opening an answer: `550 `, `550-`, `554 554 `. */
const SMTP_REPLY = /(?<![\d.])([45])[0-5]\d(?=[ -])/;
/** What a reason line without any code says, when nothing better is there. */
const REASON_TEXT = /unknown|not recogni[sz]ed|not found|no such|does not exist|rejected|refused|denied|blocked|mailbox (is )?full|quota|timed out|deferred|unavailable|not permitted|invalid/i;
/**
 * Lines that introduce the reason on the next line, when no SMTP answer is quoted: Gmail
 * ("The response was:", "The response from the remote server was:"), Exim at 1&1/GMX
 * ("For the following reason:").
 */
const REASON_INTRO = /^\s*(the response( from the remote server)? was|for the following reason|reason)\s*:\s*$/i;

const MESSAGE_ID_LINE = /^[ \t>]*Message-ID:[ \t]*(<[^<>\s]{1,900}>)/gim;
const SUBJECT_LINE = /^[ \t>]*Subject:[ \t]*(.{1,300})$/im;

function addrSpec(value: string): string | undefined {
  return /<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1] ?? /([^\s<>"(),;:]+@[^\s<>"(),;:]+)/.exec(value)?.[1];
}

/**
 * True when the mail reads as a bounce or delay notice: X-Failed-Recipients (Exim and
 * Gmail), or two of: a daemon sender (MAILER-DAEMON, postmaster, "Mail Delivery
 * System"), the null return path, a bounce subject, failure or delay wording. Never throws.
 */
export function looksLikeBounce(root: MimePart): boolean {
  const h = root.headers;
  if (headerValue(h, 'x-failed-recipients') !== undefined) return true;
  const from = headerValue(h, 'from') ?? '';
  const local = addrSpec(from)?.split('@')[0] ?? (/<>\s*$/.test(from) ? 'mailer-daemon' : '');
  const daemon = DAEMON_LOCAL_PART.test(local) || DAEMON_NAME.test(from.split('<')[0] ?? '');
  const nullPath = /^<\s*>$/.test((headerValue(h, 'return-path') ?? '').replace(/\([^()]*\)/g, '').trim());
  const subject = BOUNCE_SUBJECT.test(decodeEncodedWords(headerValue(h, 'subject') ?? ''));
  const signals = [daemon, nullPath, subject].filter(Boolean).length;
  if (signals >= 2) return true;
  if (signals === 0) return false;
  const text = humanText(root).human;
  return FAILURE_TEXT.test(text) || DELAY_TEXT.test(text);
}

/** Text parts outside returned messages, split into the notice and the returned copy. */
function humanText(root: MimePart): { human: string; returned: string } {
  let human = '';
  let returned = '';
  for (const part of walkParts(root)) {
    if (part.contentType.type !== 'text' || part.contentType.subtype === 'rfc822-headers') continue;
    if (human.length + returned.length > BOUNCE_MAX_TEXT_CHARS) break;
    const raw = decodeCharset(part.body, part.contentType.params['charset'] ?? 'us-ascii');
    const text = (part.contentType.subtype === 'html' ? htmlToText(raw) : raw).replace(/\r\n?/g, '\n').slice(0, BOUNCE_MAX_TEXT_CHARS);
    // A body part with a Message-ID of its own is a returned copy some MTAs (Mail2000,
    // OpenMail) attach as text/plain without saying so.
    if (part !== root && headerValue(part.headers, 'message-id') !== undefined) {
      returned += `${text}\n`;
      continue;
    }
    const marker = RETURNED_MARKER.exec(text);
    if (marker === null) human += `${text}\n`;
    else {
      human += `${text.slice(0, marker.index)}\n`;
      returned += `${text.slice(marker.index)}\n`;
    }
  }
  return { human, returned };
}

function collapse(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > BOUNCE_MAX_DIAGNOSTIC_CHARS ? `${one.slice(0, BOUNCE_MAX_DIAGNOSTIC_CHARS - 1)}…` : one;
}

/**
 * The SMTP answer around `lineIndex`: from its reply code on, with the continuation
 * lines of a multi-line reply (`550-…` … `550 …`).
 */
function answerAt(lines: readonly string[], lineIndex: number): string {
  const line = lines[lineIndex] ?? '';
  const reply = SMTP_REPLY.exec(line);
  const status = ENHANCED_STATUS.exec(line);
  const start = reply !== null && (status === null || reply.index <= status.index) ? reply.index : (status?.index ?? 0);
  const parts = [line.slice(start)];
  const code = reply?.[0];
  // Exim and Postfix wrap a long answer onto lines indented like the first one.
  const indent = /^[ \t]*/.exec(line)?.[0].length ?? 0;
  for (let i = lineIndex + 1; i < lines.length && parts.length < 12; i++) {
    const raw = lines[i] ?? '';
    const next = raw.trim();
    const sameReply = code !== undefined && next.startsWith(code);
    const wrapped = indent > 0 && next !== '' && (/^[ \t]*/.exec(raw)?.[0].length ?? 0) >= indent;
    if (!sameReply && !wrapped) break;
    parts.push(next);
  }
  return collapse(parts.join(' '));
}

function statusAndDiagnostic(human: string, action: TextBounce['action']): { status: string; diagnostic?: string } {
  const lines = human.split('\n');
  const withStatus = lines.findIndex((l) => ENHANCED_STATUS.test(l));
  if (withStatus >= 0) {
    const m = ENHANCED_STATUS.exec(lines[withStatus] ?? '');
    if (m !== null && (m[1] === '5' || action === 'delayed')) return { status: m[0], diagnostic: answerAt(lines, withStatus) };
  }
  const withReply = lines.findIndex((l) => SMTP_REPLY.test(l) && !/^\s*(Received|Date):/i.test(l));
  if (withReply >= 0) {
    const klass = SMTP_REPLY.exec(lines[withReply] ?? '')?.[1] ?? (action === 'failed' ? '5' : '4');
    return { status: `${klass}.0.0`, diagnostic: answerAt(lines, withReply) };
  }
  const fallback = action === 'failed' ? '5.0.0' : '4.0.0';
  const intro = lines.findIndex((l) => REASON_INTRO.test(l));
  if (intro >= 0) {
    // The reason is the paragraph after the intro (1&1 wraps it: "… For explanation visit" / URL).
    let first = intro + 1;
    while (first < lines.length && first <= intro + 3 && (lines[first] ?? '').trim() === '') first++;
    const paragraph: string[] = [];
    for (let i = first; i < lines.length && paragraph.length < 4 && (lines[i] ?? '').trim() !== ''; i++) paragraph.push(lines[i] ?? '');
    if (paragraph.length > 0) return { status: fallback, diagnostic: collapse(paragraph.join(' ')) };
  }
  const reason = lines.find((l) => REASON_TEXT.test(l) && !FAILURE_TEXT.test(l));
  return reason === undefined ? { status: fallback } : { status: fallback, diagnostic: collapse(reason) };
}

function returnedIds(root: MimePart, returned: string): string[] {
  const ids: string[] = [];
  const add = (id: string | undefined): void => {
    if (id !== undefined && !ids.includes(id) && ids.length < BOUNCE_MAX_MESSAGE_IDS) ids.push(id);
  };
  for (const part of walkParts(root)) {
    const type = part.contentType.mediaType;
    // message/partial: Bigfoot's LiteMail returns the first fragment, which starts with the headers.
    if (type === 'message/rfc822' || type === 'message/global' || type === 'text/rfc822-headers' || type === 'message/global-headers' || type === 'message/partial') {
      add(normalizeMessageId(headerValue(returnedHeadersOf(part), 'message-id')));
    } else if (part !== root) {
      // Mail2000/OpenMail attach the returned message as a plain body part: its header
      // fields become the part's own (a body part has no Message-ID of its own).
      add(normalizeMessageId(headerValue(part.headers, 'message-id')));
    }
  }
  for (const m of returned.matchAll(MESSAGE_ID_LINE)) add(normalizeMessageId(m[1]));
  return ids;
}

function returnedSubject(root: MimePart, returned: string): string | undefined {
  for (const part of walkParts(root)) {
    if (part.contentType.mediaType === 'message/rfc822' || part.contentType.mediaType === 'text/rfc822-headers') {
      const subject = headerValue(returnedHeadersOf(part), 'subject');
      if (subject !== undefined) return decodeEncodedWords(subject);
    }
  }
  const line = SUBJECT_LINE.exec(returned)?.[1];
  return line === undefined ? undefined : decodeEncodedWords(line.trim());
}

function failedRecipient(headers: readonly MimeHeader[], human: string, bounceTo: string | undefined): string | undefined {
  const listed = headerValue(headers, 'x-failed-recipients')?.split(',')[0]?.trim();
  if (listed !== undefined && listed !== '') return addrSpec(listed) ?? listed;
  for (const m of human.matchAll(/<?([A-Za-z0-9._%+'=-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,})>?/g)) {
    const address = m[1];
    if (address !== undefined && address.toLowerCase() !== bounceTo?.toLowerCase()) return address;
  }
  return undefined;
}

/**
 * Reads a bounce that is not an RFC 3464 DSN. Delay wording wins over failure wording
 * only when no permanent-failure sentence is there (a warning quotes "deferred", a
 * failure after days of retries quotes both). Never throws.
 *
 * @returns undefined when the text says neither that delivery failed nor that it is late.
 */
export function textBounceFromMime(root: MimePart): TextBounce | undefined {
  const { human, returned } = humanText(root);
  const subject = decodeEncodedWords(headerValue(root.headers, 'subject') ?? '');
  const delayed = DELAY_TEXT.test(human) || /\b(delay|delayed|warning)\b/i.test(subject);
  const failed = FAILURE_TEXT.test(human) || headerValue(root.headers, 'x-failed-recipients') !== undefined;
  const action: TextBounce['action'] | undefined = delayed && !/permanent/i.test(human) ? 'delayed' : failed || BOUNCE_SUBJECT.test(subject) ? 'failed' : undefined;
  if (action === undefined) return undefined;
  const { status, diagnostic } = statusAndDiagnostic(human, action);
  const recipient = failedRecipient(root.headers, human, addrSpec(headerValue(root.headers, 'to') ?? ''));
  const originalSubject = returnedSubject(root, returned);
  return {
    action,
    status,
    statusClass: status.startsWith('5') ? 5 : 4,
    ...(diagnostic === undefined ? {} : { diagnostic }),
    ...(recipient === undefined ? {} : { recipient }),
    returnedMessageIds: returnedIds(root, returned),
    ...(originalSubject === undefined ? {} : { originalSubject }),
  };
}
