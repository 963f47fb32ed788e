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
  /** Reporting-MTA name, type stripped (RFC 3464 §2.2.2); empty when the MTA left it out. */
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

/** `Name:` or `Name :` at the start of a line: a field, not a continuation. */
const FIELD_START = /^[A-Za-z][A-Za-z0-9-]*[ \t]*:/;

/**
 * Repairs what real MTAs get wrong before the header parser sees it, where nothing is
 * ambiguous: `Field : value` (Mimecast, AOL) loses the space before the colon, and a line
 * that is neither a field nor indented continues the field above (MessageLabs wraps long
 * Diagnostic-Codes without indenting).
 */
function repairFieldLines(chunk: string): string {
  return chunk
    .split(/\r?\n/)
    .map((line, i) => {
      if (line === '' || line.startsWith(' ') || line.startsWith('\t')) return line;
      const field = /^([A-Za-z][A-Za-z0-9-]*)[ \t]+:/.exec(line);
      if (field !== null) return `${field[1] ?? ''}:${line.slice(field[0].length)}`;
      return FIELD_START.test(line) || i === 0 ? line : ` ${line}`;
    })
    .join('\r\n');
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
    groups.push(parseHeaderSection(repairFieldLines(chunk.replace(/^(?:[ \t]*\r?\n)+/, ''))));
  }
  return groups;
}

/** A per-recipient group names its recipient; a per-message group never does. */
function isRecipientGroup(fields: readonly MimeHeader[]): boolean {
  return ['final-recipient', 'original-recipient', 'action', 'status'].some((name) => headerValue(fields, name) !== undefined);
}

const ENHANCED_STATUS = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])/;
/** An SMTP reply code at the start of a diagnostic (`550 …`, `550-…`, `smtp; 550 …`). */
const SMTP_REPLY = /(?:^|[\s;])([245])\d\d(?=[\s-]|$)/;

/**
 * The status a block states, else the one its diagnostic or its Action implies (only
 * when those say it: `failed` without any code is 5.0.0, RFC 3463 §3.1 class only).
 */
function statusOf(statusField: string | undefined, diagnostic: string | undefined, action: string | undefined): RegExpExecArray | undefined {
  const stated = ENHANCED_STATUS.exec(stripComments(statusField ?? ''));
  if (stated !== null) return stated;
  const fromDiagnostic = diagnostic === undefined ? null : ENHANCED_STATUS.exec(diagnostic);
  if (fromDiagnostic !== null) return fromDiagnostic;
  const reply = diagnostic === undefined ? null : SMTP_REPLY.exec(diagnostic);
  const klass = reply?.[1] ?? (action === 'failed' ? '5' : action === 'delayed' ? '4' : action === undefined ? undefined : '2');
  return klass === undefined ? undefined : (ENHANCED_STATUS.exec(`${klass}.0.0`) ?? undefined);
}

/** The Action a block states, else the one its status class implies (5 failed, 4 delayed). */
function actionOf(actionField: string | undefined, statusField: string | undefined, diagnostic: string | undefined): DsnAction | undefined {
  const stated = stripComments(actionField ?? '').toLowerCase();
  if (ACTIONS.has(stated)) return stated as DsnAction;
  // RFC 1891 and some gateways wrote `failure`/`delivery` forms.
  if (/^fail/.test(stated)) return 'failed';
  if (/^delay/.test(stated)) return 'delayed';
  if (/^deliver/.test(stated)) return 'delivered';
  if (stated !== '') return undefined;
  const klass = (ENHANCED_STATUS.exec(stripComments(statusField ?? '')) ?? (diagnostic === undefined ? null : ENHANCED_STATUS.exec(diagnostic)))?.[1];
  return klass === '5' ? 'failed' : klass === '4' ? 'delayed' : klass === '2' ? 'delivered' : undefined;
}

function parseRecipient(fields: readonly MimeHeader[], index: number): DsnRecipient {
  const get = (name: string): string | undefined => headerValue(fields, name);
  const original = get('original-recipient');
  // Without Final-Recipient the original one (or Exchange's X-Actual-Recipient) names it.
  const finalRaw = [get('final-recipient'), original, get('x-actual-recipient')].find((v) => v !== undefined && typed(v).value !== '');
  if (finalRaw === undefined) {
    throw malformed(`recipient block ${index} has no Final-Recipient`, { recipient: index });
  }
  const final = typed(finalRaw);
  const diagnostic = get('diagnostic-code');
  const diag = diagnostic === undefined ? undefined : typed(diagnostic);
  const action = actionOf(get('action'), get('status'), diag?.value);
  if (action === undefined) throw malformed(`recipient block ${index} has no valid Action`, { recipient: index });
  const statusMatch = statusOf(get('status'), diag?.value, action);
  if (statusMatch === undefined) throw malformed(`recipient block ${index} has no valid Status`, { recipient: index });
  const remote = get('remote-mta');
  const lastAttempt = get('last-attempt-date');
  const retryUntil = get('will-retry-until');
  const logId = get('final-log-id');
  return {
    finalRecipient: final.value,
    finalRecipientType: final.type,
    ...(original === undefined ? {} : { originalRecipient: typed(original).value }),
    action,
    status: statusMatch[0],
    statusClass: Number(statusMatch[1]) as 2 | 4 | 5,
    // Folded diagnostics keep their indentation when unfolded; a reader wants one line.
    ...(diag === undefined ? {} : { diagnosticCode: diag.value.replace(/\s+/g, ' ').trim(), diagnosticCodeType: diag.type }),
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
 * Liberal where nothing is ambiguous: no Reporting-MTA, per-message and per-recipient
 * fields in one block, `Field : value`, unindented continuations, an Action or Status
 * that the other (or the Diagnostic-Code) implies.
 *
 * @throws GW_ERR_DSN_MALFORMED when no recipient block is
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
  // Per-message fields come first; some MTAs (AOL, MessageLabs) write everything in one
  // block, and then that block is both.
  const firstRecipient = groups.findIndex(isRecipientGroup);
  if (groups.length === 0) throw malformed('empty delivery-status part');
  if (firstRecipient < 0) throw malformed('no per-recipient fields');
  const perMessage = firstRecipient === 0 ? (groups[0] ?? []) : groups.slice(0, firstRecipient).flat();
  const perRecipient = groups.slice(firstRecipient).filter(isRecipientGroup);
  if (perRecipient.length > DSN_MAX_RECIPIENTS) {
    throw malformed(`more than ${DSN_MAX_RECIPIENTS} recipient blocks`, { limit: 'DSN_MAX_RECIPIENTS' });
  }
  // SendGrid, SurfControl and McAfee leave Reporting-MTA out: nothing depends on it.
  const reportingRaw = headerValue(perMessage, 'reporting-mta') ?? '';
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
  // Bigfoot's LiteMail returns the message as its first fragment (RFC 2046 §5.2.2), headers first.
  'message/partial',
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
