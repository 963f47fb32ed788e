/**
 * Delivery Status Notifications (RFC 3464), read from the MIME structure of the report:
 * multipart/report; report-type=delivery-status (RFC 6522) with a message/delivery-status
 * part (or message/global-delivery-status, RFC 6533) and, optionally, the returned
 * message (message/rfc822) or its headers (text/rfc822-headers).
 *
 * Pure: bytes in, a typed DSN out. Correlation is the caller's: Original-Envelope-Id
 * (Herald's ENVID) first, the returned Message-ID second.
 */
import { heraldError, isHeraldError, type HeraldError } from '../errors.js';
import {
  decodeCharset,
  decodeEncodedWords,
  headerValue,
  normalizeMessageId,
  parseHeaderSection,
  parseMimeMessage,
  returnedHeadersOf,
  walkParts,
  type MimeHeader,
  type MimeLimits,
  type MimePart,
} from './mime.js';

/** Most per-recipient blocks read from one DSN: a bounce for a huge list is still finite. */
export const DSN_MAX_RECIPIENTS = 1000;
/** Largest message/delivery-status body: ~1 KiB per recipient block at the limit above. */
export const DSN_MAX_STATUS_BYTES = 1024 * 1024;

/** RFC 3464 §2.3.3. */
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

const ACTIONS: ReadonlySet<string> = new Set<DsnAction>(['failed', 'delayed', 'delivered', 'relayed', 'expanded']);

/** A `type; value` field (RFC 3464 §2.1.2), e.g. `rfc822; alice@example.test`. */
export interface TypedValue {
  /** Lower-case type (`rfc822`, `dns`, `smtp`, `x-unix`); empty when the sender omitted it. */
  readonly type: string;
  readonly value: string;
}

/** One per-recipient block (RFC 3464 §2.3). */
export interface DsnRecipient {
  /** The address the report is about (Final-Recipient, type stripped). */
  readonly finalRecipient: string;
  readonly finalRecipientType: string;
  /** ORCPT as given at submission, type stripped (Original-Recipient). */
  readonly originalRecipient?: string;
  readonly action: DsnAction;
  /** RFC 3463 enhanced status code, e.g. `5.1.1`. */
  readonly status: string;
  /** 2 success, 4 persistent transient, 5 permanent (RFC 3463 §3.1). */
  readonly statusClass: 2 | 4 | 5;
  /** Diagnostic-Code text after its type, e.g. `550 5.1.1 <x@y> User doesn't exist`. */
  readonly diagnosticCode?: string;
  /** Diagnostic-Code type, usually `smtp`. */
  readonly diagnosticCodeType?: string;
  /** Remote-MTA name, type stripped. */
  readonly remoteMta?: string;
  /** Last-Attempt-Date as written (RFC 5322 date-time). */
  readonly lastAttemptDate?: string;
  /** Will-Retry-Until as written, for `delayed`. */
  readonly willRetryUntil?: string;
  readonly finalLogId?: string;
  /** Every field of the block, including extensions (X-…), unfolded. */
  readonly fields: readonly MimeHeader[];
}

/** A parsed DSN. */
export interface Dsn {
  /** Reporting-MTA name, type stripped (RFC 3464 §2.2.2). */
  readonly reportingMta: string;
  readonly reportingMtaType: string;
  /** The ENVID of the submission (RFC 3464 §2.2.1): Herald's correlation key. */
  readonly originalEnvelopeId?: string;
  readonly arrivalDate?: string;
  readonly receivedFromMta?: string;
  readonly dsnGateway?: string;
  /** At least one. */
  readonly recipients: readonly DsnRecipient[];
  /** Per-message fields, including extensions (X-Postfix-Queue-ID…). */
  readonly messageFields: readonly MimeHeader[];
  /** Headers of the returned message, or empty when the MTA returned none. */
  readonly returnedHeaders: readonly MimeHeader[];
  /** `<id>` from the returned Message-ID: the fallback correlation key. */
  readonly originalMessageId?: string;
  /** The returned Subject, RFC 2047-decoded. */
  readonly originalSubject?: string;
  /** The human-readable first part, for logs and timelines. */
  readonly humanReadable?: string;
}

function malformed(detail: string, meta?: Record<string, unknown>): HeraldError {
  return heraldError('GW_ERR_DSN_MALFORMED', detail, meta === undefined ? undefined : { meta });
}

function typed(value: string): TypedValue {
  const semi = value.indexOf(';');
  if (semi < 0) return { type: '', value: value.trim() };
  return { type: value.slice(0, semi).trim().toLowerCase(), value: value.slice(semi + 1).trim() };
}

/** Strips RFC 5322 comments `(…)`, which MTAs append to Action and Status. */
function stripComments(value: string): string {
  return value.replace(/\([^()]*\)/g, ' ').trim();
}

/**
 * Splits a delivery-status body into field groups (RFC 3464 §2.1: one per-message group,
 * then per-recipient groups, separated by blank lines). Each group is a header section.
 */
function fieldGroups(text: string): MimeHeader[][] {
  const groups: MimeHeader[][] = [];
  for (const chunk of text.split(/\r?\n[ \t]*\r?\n(?:[ \t]*\r?\n)*/)) {
    if (chunk.trim() === '') continue;
    // A group may start with stray whitespace lines; they are not continuations.
    groups.push(parseHeaderSection(chunk.replace(/^(?:[ \t]*\r?\n)+/, '')));
  }
  return groups;
}

function parseRecipient(fields: readonly MimeHeader[], index: number): DsnRecipient {
  const get = (name: string): string | undefined => headerValue(fields, name);
  const finalRaw = get('final-recipient');
  if (finalRaw === undefined || typed(finalRaw).value === '') {
    throw malformed(`recipient block ${index} has no Final-Recipient`, { recipient: index });
  }
  const final = typed(finalRaw);
  const actionRaw = stripComments(get('action') ?? '').toLowerCase();
  if (!ACTIONS.has(actionRaw)) throw malformed(`recipient block ${index} has no valid Action`, { recipient: index });
  const statusMatch = /^([245])\.(\d{1,3})\.(\d{1,3})$/.exec(stripComments(get('status') ?? '').split(/\s+/)[0] ?? '');
  if (statusMatch === null) throw malformed(`recipient block ${index} has no valid Status`, { recipient: index });
  const original = get('original-recipient');
  const diagnostic = get('diagnostic-code');
  const diag = diagnostic === undefined ? undefined : typed(diagnostic);
  const remote = get('remote-mta');
  const lastAttempt = get('last-attempt-date');
  const retryUntil = get('will-retry-until');
  const logId = get('final-log-id');
  return {
    finalRecipient: final.value,
    finalRecipientType: final.type,
    ...(original === undefined ? {} : { originalRecipient: typed(original).value }),
    action: actionRaw as DsnAction,
    status: statusMatch[0],
    statusClass: Number(statusMatch[1]) as 2 | 4 | 5,
    // Folded diagnostics keep their indentation when unfolded; a reader wants one line.
    ...(diag === undefined ? {} : { diagnosticCode: diag.value.replace(/\s+/g, ' '), diagnosticCodeType: diag.type }),
    ...(remote === undefined ? {} : { remoteMta: typed(remote).value }),
    ...(lastAttempt === undefined ? {} : { lastAttemptDate: lastAttempt }),
    ...(retryUntil === undefined ? {} : { willRetryUntil: retryUntil }),
    ...(logId === undefined ? {} : { finalLogId: logId }),
    fields,
  };
}

/**
 * Parses the body of a message/delivery-status part (RFC 3464 §2.1–2.3).
 *
 * @throws GW_ERR_DSN_MALFORMED when Reporting-MTA is missing, no recipient block is
 * present, a block lacks Final-Recipient or a valid Action/Status, or a limit is exceeded.
 */
export function parseDeliveryStatus(
  body: string,
): Pick<Dsn, 'reportingMta' | 'reportingMtaType' | 'originalEnvelopeId' | 'arrivalDate' | 'receivedFromMta' | 'dsnGateway' | 'recipients' | 'messageFields'> {
  if (body.length > DSN_MAX_STATUS_BYTES) {
    throw malformed(`delivery-status part larger than ${DSN_MAX_STATUS_BYTES} bytes`, { limit: 'DSN_MAX_STATUS_BYTES' });
  }
  let groups: MimeHeader[][];
  try {
    groups = fieldGroups(body);
  } catch (err) {
    throw heraldError('GW_ERR_DSN_MALFORMED', 'delivery-status fields are not header fields', { cause: err });
  }
  const [perMessage, ...perRecipient] = groups;
  if (perMessage === undefined) throw malformed('empty delivery-status part');
  const reportingRaw = headerValue(perMessage, 'reporting-mta');
  if (reportingRaw === undefined) throw malformed('no Reporting-MTA');
  if (perRecipient.length === 0) throw malformed('no per-recipient fields');
  if (perRecipient.length > DSN_MAX_RECIPIENTS) {
    throw malformed(`more than ${DSN_MAX_RECIPIENTS} recipient blocks`, { limit: 'DSN_MAX_RECIPIENTS' });
  }
  const reporting = typed(reportingRaw);
  const envid = headerValue(perMessage, 'original-envelope-id');
  const arrival = headerValue(perMessage, 'arrival-date');
  const from = headerValue(perMessage, 'received-from-mta');
  const gateway = headerValue(perMessage, 'dsn-gateway');
  return {
    reportingMta: reporting.value,
    reportingMtaType: reporting.type,
    ...(envid === undefined || envid === '' ? {} : { originalEnvelopeId: envid }),
    ...(arrival === undefined ? {} : { arrivalDate: arrival }),
    ...(from === undefined ? {} : { receivedFromMta: typed(from).value }),
    ...(gateway === undefined ? {} : { dsnGateway: typed(gateway).value }),
    recipients: perRecipient.map((fields, i) => parseRecipient(fields, i)),
    messageFields: perMessage,
  };
}

const STATUS_TYPES: ReadonlySet<string> = new Set(['message/delivery-status', 'message/global-delivery-status']);
const RETURNED_TYPES: ReadonlySet<string> = new Set([
  'message/rfc822',
  'message/global',
  'text/rfc822-headers',
  'message/global-headers',
]);

/** True when the message is a DSN: it has a delivery-status part outside any returned message. */
export function isDeliveryStatusReport(root: MimePart): boolean {
  for (const part of walkParts(root)) if (STATUS_TYPES.has(part.contentType.mediaType)) return true;
  return false;
}

/** The parent multipart holding `target`, searched without entering returned messages. */
function parentOf(root: MimePart, target: MimePart): MimePart | undefined {
  for (const part of walkParts(root)) if (part.parts.includes(target)) return part;
  return undefined;
}

/**
 * Reads a DSN from an already parsed MIME tree. The delivery-status part is found
 * anywhere outside returned messages, because some relays wrap the report in a
 * multipart/mixed; the returned message is the part following it (RFC 6522 §3).
 *
 * @throws GW_ERR_DSN_MALFORMED when there is no delivery-status part or it is invalid
 * (see {@link parseDeliveryStatus}).
 */
export function dsnFromMime(root: MimePart): Dsn {
  let statusPart: MimePart | undefined;
  for (const part of walkParts(root)) {
    if (STATUS_TYPES.has(part.contentType.mediaType)) {
      statusPart = part;
      break;
    }
  }
  if (statusPart === undefined) throw malformed('no message/delivery-status part');
  // RFC 6533 global reports are UTF-8; classic ones are US-ASCII, which UTF-8 covers.
  const status = parseDeliveryStatus(decodeCharset(statusPart.body, statusPart.contentType.params['charset'] ?? 'utf-8'));

  const siblings = parentOf(root, statusPart)?.parts ?? [];
  const after = siblings.slice(siblings.indexOf(statusPart) + 1);
  const returned = after.find((p) => RETURNED_TYPES.has(p.contentType.mediaType));
  const returnedHeaders = returned === undefined ? [] : returnedHeadersOf(returned);
  // RFC 6522 §3: the human-readable part comes first; Gmail nests it in related/alternative.
  const first = siblings[0] === statusPart ? undefined : siblings[0];
  const human = first === undefined ? undefined : [...walkParts(first)].find((p) => p.contentType.mediaType === 'text/plain');
  const messageId = normalizeMessageId(headerValue(returnedHeaders, 'message-id'));
  const subject = headerValue(returnedHeaders, 'subject');
  return {
    ...status,
    returnedHeaders,
    ...(messageId === undefined ? {} : { originalMessageId: messageId }),
    ...(subject === undefined ? {} : { originalSubject: decodeEncodedWords(subject) }),
    ...(human === undefined
      ? {}
      : { humanReadable: decodeCharset(human.body, human.contentType.params['charset'] ?? 'us-ascii') }),
  };
}

/**
 * Parses a raw RFC 5322 message as a DSN (RFC 3464).
 *
 * @param raw - The complete message as fetched over IMAP.
 * @param limits - MIME limit overrides (see mime.ts).
 * @throws GW_ERR_MIME_MALFORMED when the message is not valid MIME or exceeds a limit.
 * @throws GW_ERR_DSN_MALFORMED when it is MIME but not a valid DSN.
 */
export function parseDsn(raw: Uint8Array, limits: Partial<MimeLimits> = {}): Dsn {
  const root = parseMimeMessage(raw, limits);
  try {
    return dsnFromMime(root);
  } catch (err) {
    if (isHeraldError(err)) throw err;
    throw heraldError('GW_ERR_DSN_MALFORMED', 'unexpected parser failure', { cause: err });
  }
}
