/**
 * Message Disposition Notifications (RFC 8098), read from the MIME structure:
 * multipart/report; report-type=disposition-notification (RFC 6522) with a
 * message/disposition-notification part (or message/global-disposition-notification,
 * RFC 6533). Mail clients send them when a user displays a message (Claws Mail,
 * Thunderbird), and Sieve `reject` (RFC 5429) sends an automatic `deleted` one.
 *
 * Pure: bytes in, a typed MDN out.
 */
import { heraldError, isHeraldError, type HeraldError } from '../errors.js';
import {
  decodeCharset,
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

/** Largest disposition-notification body: the fields are a few lines; 64 KiB is generous. */
export const MDN_MAX_NOTIFICATION_BYTES = 64 * 1024;

/** RFC 8098 §3.2.6.1. */
export type MdnActionMode = 'manual-action' | 'automatic-action';
/** RFC 8098 §3.2.6.2. */
export type MdnSendingMode = 'MDN-sent-manually' | 'MDN-sent-automatically';
/**
 * RFC 8098 §3.2.6.3, plus RFC 2298/3798's `denied` (the reader refused to confirm), which
 * KMime and other older clients still send: it is unambiguous, so it is read, not refused.
 * RFC 2298's `failed` is still refused.
 */
export type MdnDispositionType = 'displayed' | 'deleted' | 'dispatched' | 'processed' | 'denied';

export interface MdnDisposition {
  readonly actionMode: MdnActionMode;
  readonly sendingMode: MdnSendingMode;
  readonly type: MdnDispositionType;
  /** Lower-case modifiers (`error`, extensions), §3.2.6.4; usually empty. */
  readonly modifiers: readonly string[];
}

/** A parsed MDN. */
export interface Mdn {
  /** `<id>` of the message this notification is about (§3.2.5): the correlation key. */
  readonly originalMessageId?: string;
  /** Final-Recipient address, type stripped (§3.2.4). */
  readonly finalRecipient: string;
  readonly finalRecipientType: string;
  readonly originalRecipient?: string;
  /** Reporting-UA as written, e.g. `Claws Mail 4.1.1` (§3.2.1). */
  readonly reportingUa?: string;
  readonly mdnGateway?: string;
  readonly disposition: MdnDisposition;
  /** Failure/Error/Warning field texts (§3.2.7–3.2.9). */
  readonly errors: readonly string[];
  /** Every field, including extensions, unfolded. */
  readonly fields: readonly MimeHeader[];
  /** Headers of the returned original, if the client included it (often not). */
  readonly returnedHeaders: readonly MimeHeader[];
}

function malformed(detail: string): HeraldError {
  return heraldError('GW_ERR_MDN_MALFORMED', detail);
}

function typedValue(value: string): { type: string; value: string } {
  const semi = value.indexOf(';');
  if (semi < 0) return { type: '', value: value.trim() };
  return { type: value.slice(0, semi).trim().toLowerCase(), value: value.slice(semi + 1).trim() };
}

const ACTION_MODES: ReadonlyMap<string, MdnActionMode> = new Map([
  ['manual-action', 'manual-action'],
  ['automatic-action', 'automatic-action'],
]);
const SENDING_MODES: ReadonlyMap<string, MdnSendingMode> = new Map([
  ['mdn-sent-manually', 'MDN-sent-manually'],
  ['mdn-sent-automatically', 'MDN-sent-automatically'],
]);
const TYPES: ReadonlySet<string> = new Set<MdnDispositionType>(['displayed', 'deleted', 'dispatched', 'processed', 'denied']);

/**
 * Parses a Disposition field value (RFC 8098 §3.2.6), e.g.
 * `manual-action/MDN-sent-manually; displayed` or `automatic-action/MDN-sent-automatically;
 * deleted/error`. Keywords are case-insensitive; comments are ignored.
 *
 * @throws GW_ERR_MDN_MALFORMED for an unknown mode or disposition type.
 */
export function parseDisposition(value: string): MdnDisposition {
  const clean = value.replace(/\([^()]*\)/g, ' ').trim();
  const m = /^([^/;\s]+)\s*\/\s*([^;\s]+)\s*;\s*([^/\s]+)\s*(?:\/\s*(.*))?$/.exec(clean);
  if (m === null) throw malformed('Disposition is not mode/mode; type');
  const actionMode = ACTION_MODES.get((m[1] ?? '').toLowerCase());
  const sendingMode = SENDING_MODES.get((m[2] ?? '').toLowerCase());
  const type = (m[3] ?? '').toLowerCase();
  if (actionMode === undefined) throw malformed('unknown Disposition action mode');
  if (sendingMode === undefined) throw malformed('unknown Disposition sending mode');
  if (!TYPES.has(type)) throw malformed('unknown Disposition type');
  const modifiers = (m[4] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return { actionMode, sendingMode, type: type as MdnDispositionType, modifiers };
}

/**
 * Parses the body of a message/disposition-notification part (RFC 8098 §3.1–3.2).
 *
 * @throws GW_ERR_MDN_MALFORMED when Final-Recipient or Disposition is missing or invalid,
 * the fields are not header fields, or the body exceeds {@link MDN_MAX_NOTIFICATION_BYTES}.
 */
export function parseDispositionNotification(body: string): Omit<Mdn, 'returnedHeaders'> {
  if (body.length > MDN_MAX_NOTIFICATION_BYTES) {
    throw malformed(`disposition-notification part larger than ${MDN_MAX_NOTIFICATION_BYTES} bytes`);
  }
  let fields: MimeHeader[];
  try {
    // The fields form one group; stray blank lines (some clients add them) are tolerated.
    fields = parseHeaderSection(body.replace(/^(?:[ \t]*\r?\n)+/, '').replace(/\r?\n[ \t]*(?=\r?\n)/g, ''));
  } catch (err) {
    throw heraldError('GW_ERR_MDN_MALFORMED', 'disposition-notification fields are not header fields', { cause: err });
  }
  const finalRaw = headerValue(fields, 'final-recipient');
  if (finalRaw === undefined || typedValue(finalRaw).value === '') throw malformed('no Final-Recipient');
  const dispositionRaw = headerValue(fields, 'disposition');
  if (dispositionRaw === undefined) throw malformed('no Disposition');
  const final = typedValue(finalRaw);
  const original = headerValue(fields, 'original-recipient');
  const ua = headerValue(fields, 'reporting-ua');
  const gateway = headerValue(fields, 'mdn-gateway');
  const messageId = normalizeMessageId(headerValue(fields, 'original-message-id'));
  const errors = fields
    .filter((f) => ['failure', 'error', 'warning'].includes(f.name.toLowerCase()))
    .map((f) => f.value);
  return {
    ...(messageId === undefined ? {} : { originalMessageId: messageId }),
    finalRecipient: final.value,
    finalRecipientType: final.type,
    ...(original === undefined ? {} : { originalRecipient: typedValue(original).value }),
    ...(ua === undefined ? {} : { reportingUa: ua }),
    ...(gateway === undefined ? {} : { mdnGateway: typedValue(gateway).value }),
    disposition: parseDisposition(dispositionRaw),
    errors,
    fields,
  };
}

const NOTIFICATION_TYPES: ReadonlySet<string> = new Set([
  'message/disposition-notification',
  'message/global-disposition-notification',
]);
const RETURNED_TYPES: ReadonlySet<string> = new Set([
  'message/rfc822',
  'message/global',
  'text/rfc822-headers',
  'message/global-headers',
]);

/** True when the message carries a disposition-notification part outside returned messages. */
export function isDispositionNotification(root: MimePart): boolean {
  for (const part of walkParts(root)) if (NOTIFICATION_TYPES.has(part.contentType.mediaType)) return true;
  return false;
}

/**
 * Reads an MDN from an already parsed MIME tree. The first disposition-notification part
 * wins (Claws Mail adds a second, application/octet-stream copy, which is ignored).
 *
 * @throws GW_ERR_MDN_MALFORMED when there is no notification part or it is invalid.
 */
export function mdnFromMime(root: MimePart): Mdn {
  let notification: MimePart | undefined;
  let parent: MimePart | undefined;
  for (const part of walkParts(root)) {
    const hit = part.parts.find((p) => NOTIFICATION_TYPES.has(p.contentType.mediaType));
    if (hit !== undefined) {
      notification = hit;
      parent = part;
      break;
    }
  }
  if (notification === undefined && NOTIFICATION_TYPES.has(root.contentType.mediaType)) notification = root;
  if (notification === undefined) throw malformed('no message/disposition-notification part');
  const parsed = parseDispositionNotification(
    decodeCharset(notification.body, notification.contentType.params['charset'] ?? 'utf-8'),
  );
  const siblings = parent?.parts ?? [];
  const returned = siblings.slice(siblings.indexOf(notification) + 1).find((p) => RETURNED_TYPES.has(p.contentType.mediaType));
  return { ...parsed, returnedHeaders: returned === undefined ? [] : returnedHeadersOf(returned) };
}

/**
 * Parses a raw RFC 5322 message as an MDN (RFC 8098).
 *
 * @param raw - The complete message as fetched over IMAP.
 * @param limits - MIME limit overrides (see mime.ts).
 * @throws GW_ERR_MIME_MALFORMED when the message is not valid MIME or exceeds a limit.
 * @throws GW_ERR_MDN_MALFORMED when it is MIME but not a valid MDN.
 */
export function parseMdn(raw: Uint8Array, limits: Partial<MimeLimits> = {}): Mdn {
  const root = parseMimeMessage(raw, limits);
  try {
    return mdnFromMime(root);
  } catch (err) {
    if (isHeraldError(err)) throw err;
    throw heraldError('GW_ERR_MDN_MALFORMED', 'unexpected parser failure', { cause: err });
  }
}
