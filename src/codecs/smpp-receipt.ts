/**
 * SMPP delivery receipts: the TLVs (receipted_message_id 0x001E, message_state 0x0427,
 * network_error_code 0x0423) and the de-facto text format of SMPP 3.4 Appendix B
 * (`id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`), with the variants
 * SMSCs actually send (see docs PROTOCOLS.md › SMPP 3.4): `text:` or `Text:`, any key case,
 * 10- or 12-digit dates, keys in any order (text last), missing fields, long stat names,
 * raw UDH bytes in the text. Also SMSC message id normalisation for correlation.
 *
 * Pure: no I/O, no logging. Every failure is a GW_ERR_SMPP_RECEIPT_MALFORMED HeraldError.
 */
import { heraldError, type HeraldError } from '../errors.js';
import { decodeLatin1 } from './gsm0338.js';

/**
 * Receipt state, in the text form's 7-letter spelling (SMPP 3.4 Appendix B), plus
 * ACKED/BUFFRED seen in the wild and SMPP 5.0's SCHEDULED/SKIPPED (message_state 0 and 9).
 */
export type ReceiptStat =
  | 'DELIVRD'
  | 'EXPIRED'
  | 'DELETED'
  | 'UNDELIV'
  | 'ACCEPTD'
  | 'UNKNOWN'
  | 'REJECTD'
  | 'ENROUTE'
  | 'ACKED'
  | 'BUFFRED'
  | 'SCHEDULED'
  | 'SKIPPED';

/** Every {@link ReceiptStat}, for validation and tests. */
export const RECEIPT_STATS: readonly ReceiptStat[] = [
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'ENROUTE',
  'ACKED',
  'BUFFRED',
  'SCHEDULED',
  'SKIPPED',
];

/** What a receipt means for the delivery it reports on. */
export type ReceiptOutcome = 'delivered' | 'failed' | 'pending';

/**
 * Final success, final failure, or an intermediate state (an event, never final).
 * ACCEPTD is final success: SMPP 3.4 §5.2.28 lists ACCEPTED (6) among the final message
 * states ("accepted on behalf of the subscriber"), and an SMSC that sends it as its only
 * receipt sends nothing after it. Aggregators that use it for "taken by the next hop" are
 * a per-connection setting of the receipt processor (acceptedIsFinal), not of this codec.
 * UNKNOWN is final (SMPP 3.4: "message is in invalid state").
 */
export const RECEIPT_OUTCOME: Readonly<Record<ReceiptStat, ReceiptOutcome>> = {
  DELIVRD: 'delivered',
  EXPIRED: 'failed',
  DELETED: 'failed',
  UNDELIV: 'failed',
  REJECTD: 'failed',
  UNKNOWN: 'failed',
  SKIPPED: 'failed',
  ACCEPTD: 'delivered',
  ENROUTE: 'pending',
  ACKED: 'pending',
  BUFFRED: 'pending',
  SCHEDULED: 'pending',
};

/**
 * message_state values (SMPP 3.4 §5.3.2.35; 0 and 9 from SMPP 5.0 §4.8.4.37) → stat.
 * Index = message_state.
 */
export const MESSAGE_STATE_STATS: readonly ReceiptStat[] = [
  'SCHEDULED',
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'SKIPPED',
];

/** Spellings SMSCs use for stat beyond the 7-letter ones, upper-cased. */
const STAT_ALIASES: Readonly<Record<string, ReceiptStat>> = {
  DELIVERED: 'DELIVRD',
  UNDELIVERABLE: 'UNDELIV',
  UNDELIVERED: 'UNDELIV',
  REJECTED: 'REJECTD',
  ACCEPTED: 'ACCEPTD',
  ACK: 'ACKED',
  BUFFERED: 'BUFFRED',
  SCHEDLD: 'SCHEDULED',
  SKIPPD: 'SKIPPED',
};

/** Longest receipt text read: the largest message_payload TLV; no honest receipt nears it. */
export const RECEIPT_TEXT_MAX_OCTETS = 0xffff;
/** SMPP 3.4 message_id is a C-Octet String of at most 65 octets, terminator included. */
export const MESSAGE_ID_MAX_LENGTH = 64;

/** A receipt date as sent: YYMMDDhhmm (10 digits) or YYMMDDhhmmss (12). */
export interface ReceiptDate {
  /** The digits as received. */
  readonly raw: string;
  /**
   * `20YY-MM-DDThh:mm:ss` when the digits form a valid date, else undefined. No zone:
   * SMSCs use their own local time and say nothing about it.
   */
  readonly iso?: string;
}

/** Network error from the network_error_code TLV (SMPP 3.4 §5.3.2.31). */
export interface NetworkError {
  /** 1 ANSI-136, 2 IS-95, 3 GSM, 4 ANSI-41, others reserved. */
  readonly networkType: number;
  readonly code: number;
}

/** Fields a receipt may carry; every one optional until merged. */
export interface ReceiptFields {
  readonly id?: string;
  readonly stat?: ReceiptStat;
  /** The stat as it was spelled, when it came from text. */
  readonly rawStat?: string;
  /** Submitted / delivered counts (`sub:`, `dlvrd:`), when numeric. */
  readonly sub?: number;
  readonly dlvrd?: number;
  readonly submitDate?: ReceiptDate;
  readonly doneDate?: ReceiptDate;
  /** `err:` as sent (often three digits, network specific). */
  readonly err?: string;
  readonly networkError?: NetworkError;
  /** `text:` field: the first characters of the original message, decoded as ISO-8859-1. */
  readonly text?: string;
}

/** A complete receipt: at least an id and a stat, from TLVs, text, or both. */
export interface DeliveryReceipt extends ReceiptFields {
  readonly id: string;
  readonly stat: ReceiptStat;
  readonly outcome: ReceiptOutcome;
  /**
   * One number for the error, for storage: network_error_code's code when the TLV is
   * there, else `err:` when it is decimal, else undefined.
   */
  readonly errorCode?: number;
  /** Where the id and stat came from. */
  readonly source: 'tlv' | 'text' | 'tlv+text';
  /** Things that were wrong but did not prevent reading the receipt, for logging. */
  readonly anomalies: readonly string[];
}

/** Receipt TLVs as an SMPP library hands them over (strings or raw octets). */
export interface ReceiptTlvs {
  readonly receiptedMessageId?: string | Uint8Array;
  readonly messageState?: number;
  readonly networkErrorCode?: Uint8Array;
}

function malformed(detail: string, meta: Record<string, unknown> = {}): HeraldError {
  return heraldError('GW_ERR_SMPP_RECEIPT_MALFORMED', detail, { meta });
}

/** Whitespace (as `\s` and String#trim see it) or NUL padding. */
function isPadding(char: string): boolean {
  return char === '\0' || char.trim() === '';
}

/**
 * Strips what SMSCs pad ids with: NUL terminators and whitespace. A scan, not `/[\s\0]+$/`: that regex
 * backtracks quadratically over a long blank run followed by anything else (seconds for a
 * 64 KiB receipt; found by test/unit/fuzz/corpus.test.ts).
 */
function cleanId(raw: string): string {
  let start = 0;
  let end = raw.length;
  while (start < end && isPadding(raw.charAt(start))) start++;
  while (end > start && isPadding(raw.charAt(end - 1))) end--;
  return raw.slice(start, end);
}

/** Drops trailing NULs, by a scan for the same reason as {@link cleanId}. */
function trimTrailingNuls(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return text.slice(0, end);
}

function checkId(id: string, where: string): string {
  if (id.length === 0) throw malformed(`empty message id in ${where}`, { field: 'id' });
  if (id.length > MESSAGE_ID_MAX_LENGTH) {
    throw malformed(`message id of ${id.length} characters in ${where}`, { field: 'id', length: id.length });
  }
  return id;
}

/**
 * Maps a stat as spelled in receipt text to a {@link ReceiptStat}, accepting any case and
 * the long forms (DELIVERED, UNDELIVERABLE, REJECTED…). Returns undefined for anything else.
 */
export function parseReceiptStat(raw: string): ReceiptStat | undefined {
  const upper = raw.trim().toUpperCase();
  if ((RECEIPT_STATS as readonly string[]).includes(upper)) return upper as ReceiptStat;
  return STAT_ALIASES[upper];
}

/**
 * Maps a message_state TLV value (SMPP 3.4 §5.3.2.35, SMPP 5.0 adds 0 and 9) to a stat.
 *
 * @throws GW_ERR_SMPP_RECEIPT_MALFORMED for a value outside 0–9 (meta: messageState).
 */
export function statFromMessageState(messageState: number): ReceiptStat {
  const stat = Number.isInteger(messageState) ? MESSAGE_STATE_STATS[messageState] : undefined;
  if (stat === undefined) throw malformed(`message_state ${messageState} is not 0–9`, { messageState });
  return stat;
}

function parseDate(raw: string): ReceiptDate {
  const digits = raw.trim();
  const match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/.exec(digits);
  if (match === null) return { raw: digits };
  const [, yy, mo, dd, hh, mi, ss = '00'] = match;
  const [month, day, hour, minute, second] = [mo, dd, hh, mi, ss].map(Number) as [number, number, number, number, number];
  const year = 2000 + Number(yy);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const valid = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
  if (!valid) return { raw: digits };
  return { raw: digits, iso: `${year}-${mo}-${dd}T${hh}:${mi}:${ss}` };
}

function parseCount(raw: string): number | undefined {
  const value = raw.trim();
  return /^\d{1,10}$/.test(value) ? Number(value) : undefined;
}

/**
 * Keys of the text form. `submit date` / `done date` also with `_` (seen from some SMSCs).
 * A key counts only at the start or after whitespace, so `xid:` or an id's content does not.
 */
const KEY_PATTERN = /(^|[\s\0])(id|sub|dlvrd|submit[ _]date|done[ _]date|stat|err):/gi;
/** `text:` ends the structured part: what follows is free text and may contain anything. */
const TEXT_KEY_PATTERN = /(^|[\s\0])text:/i;

type TextKey = 'id' | 'sub' | 'dlvrd' | 'submitDate' | 'doneDate' | 'stat' | 'err';

function keyOf(raw: string): TextKey {
  const key = raw.toLowerCase().replace('_', ' ');
  if (key === 'submit date') return 'submitDate';
  if (key === 'done date') return 'doneDate';
  return key as TextKey;
}

/**
 * Reads the fields of a receipt's text form, tolerating every variant this module lists.
 * Bytes are decoded as ISO-8859-1 whatever data_coding said, because the text field may
 * carry raw UDH octets and SMSCs are inconsistent about data_coding on receipts.
 * Duplicate keys: the first wins. An unrecognised stat is kept in `rawStat` only.
 *
 * @throws GW_ERR_SMPP_RECEIPT_MALFORMED when no receipt key is present at all, when the
 *   text exceeds {@link RECEIPT_TEXT_MAX_OCTETS}, or when the id is empty or too long.
 */
export function parseReceiptFields(input: string | Uint8Array): ReceiptFields {
  if (input.length > RECEIPT_TEXT_MAX_OCTETS) {
    throw malformed(`receipt text of ${input.length} octets`, { maxOctets: RECEIPT_TEXT_MAX_OCTETS });
  }
  const whole = typeof input === 'string' ? input : decodeLatin1(input);
  const textKey = TEXT_KEY_PATTERN.exec(whole);
  const head = textKey === null ? whole : whole.slice(0, textKey.index);
  const text = textKey === null ? undefined : trimTrailingNuls(whole.slice(textKey.index + textKey[0].length));

  const values = new Map<TextKey, string>();
  const matches = [...head.matchAll(KEY_PATTERN)];
  matches.forEach((match, n) => {
    const key = keyOf(match[2] ?? '');
    const start = (match.index ?? 0) + match[0].length;
    const end = matches[n + 1]?.index ?? head.length;
    if (!values.has(key)) values.set(key, head.slice(start, end));
  });
  if (values.size === 0 && text === undefined) throw malformed('no receipt field found');

  const fields: { -readonly [K in keyof ReceiptFields]: ReceiptFields[K] } = {};
  const id = values.get('id');
  if (id !== undefined) fields.id = checkId(cleanId(id), 'receipt text');
  const stat = values.get('stat');
  if (stat !== undefined) {
    fields.rawStat = stat.trim();
    const parsed = parseReceiptStat(stat);
    if (parsed !== undefined) fields.stat = parsed;
  }
  const sub = parseCount(values.get('sub') ?? '');
  if (sub !== undefined) fields.sub = sub;
  const dlvrd = parseCount(values.get('dlvrd') ?? '');
  if (dlvrd !== undefined) fields.dlvrd = dlvrd;
  const submitDate = values.get('submitDate');
  if (submitDate !== undefined) fields.submitDate = parseDate(submitDate);
  const doneDate = values.get('doneDate');
  if (doneDate !== undefined) fields.doneDate = parseDate(doneDate);
  const err = values.get('err');
  if (err !== undefined && err.trim() !== '') fields.err = err.trim();
  if (text !== undefined) fields.text = text;
  return fields;
}

/**
 * Reads a receipt from its text alone (SMPP 3.4 Appendix B and the variants above).
 *
 * @throws GW_ERR_SMPP_RECEIPT_MALFORMED when the id or a recognisable stat is missing,
 *   plus the cases of {@link parseReceiptFields}.
 */
export function parseReceiptText(input: string | Uint8Array): DeliveryReceipt {
  return mergeReceipt({}, parseReceiptFields(input), []);
}

/**
 * Reads the receipt TLVs: receipted_message_id (0x001E), message_state (0x0427),
 * network_error_code (0x0423: network type octet + 16-bit code). SMPP 3.4 §5.3.2.
 *
 * @throws GW_ERR_SMPP_RECEIPT_MALFORMED for a message_state outside 0–9, a
 *   network_error_code that is not 3 octets, or an empty or too long id.
 */
export function receiptFromTlvs(tlvs: ReceiptTlvs): ReceiptFields {
  const fields: { -readonly [K in keyof ReceiptFields]: ReceiptFields[K] } = {};
  if (tlvs.receiptedMessageId !== undefined) {
    const raw = typeof tlvs.receiptedMessageId === 'string' ? tlvs.receiptedMessageId : decodeLatin1(tlvs.receiptedMessageId);
    fields.id = checkId(cleanId(raw), 'receipted_message_id');
  }
  if (tlvs.messageState !== undefined) fields.stat = statFromMessageState(tlvs.messageState);
  if (tlvs.networkErrorCode !== undefined) {
    const nec = tlvs.networkErrorCode;
    if (nec.length !== 3) throw malformed(`network_error_code of ${nec.length} octets`, { field: 'network_error_code', length: nec.length });
    fields.networkError = { networkType: nec[0] ?? 0, code: ((nec[1] ?? 0) << 8) | (nec[2] ?? 0) };
  }
  return fields;
}

function mergeReceipt(fromTlvs: ReceiptFields, fromText: ReceiptFields, anomalies: string[]): DeliveryReceipt {
  // TLVs first: they are typed and unambiguous; the text fills what they lack.
  const id = fromTlvs.id ?? fromText.id;
  const stat = fromTlvs.stat ?? fromText.stat;
  if (id === undefined) throw malformed('receipt has no message id', { field: 'id' });
  if (stat === undefined) {
    throw malformed('receipt has no recognisable stat', { field: 'stat', ...(fromText.rawStat === undefined ? {} : { value: fromText.rawStat }) });
  }
  if (fromTlvs.id !== undefined && fromText.id !== undefined && fromTlvs.id !== fromText.id) {
    anomalies.push(`receipted_message_id ${fromTlvs.id} differs from text id ${fromText.id}`);
  }
  if (fromTlvs.stat !== undefined && fromText.stat !== undefined && fromTlvs.stat !== fromText.stat) {
    anomalies.push(`message_state ${fromTlvs.stat} differs from text stat ${fromText.stat}`);
  }
  if (fromText.rawStat !== undefined && fromText.stat === undefined) anomalies.push(`unrecognised text stat ${fromText.rawStat}`);
  const fromTlv = fromTlvs.id !== undefined || fromTlvs.stat !== undefined;
  const fromTxt = (fromTlvs.id === undefined && fromText.id !== undefined) || (fromTlvs.stat === undefined && fromText.stat !== undefined);
  const networkError = fromTlvs.networkError ?? fromText.networkError;
  const errorCode = networkError?.code ?? (fromText.err !== undefined && /^\d{1,9}$/.test(fromText.err) ? Number(fromText.err) : undefined);
  return {
    ...fromText,
    ...definedOnly(fromTlvs),
    id,
    stat,
    outcome: RECEIPT_OUTCOME[stat],
    ...(errorCode === undefined ? {} : { errorCode }),
    source: fromTlv && fromTxt ? 'tlv+text' : fromTlv ? 'tlv' : 'text',
    anomalies,
  };
}

function definedOnly(fields: ReceiptFields): ReceiptFields {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as ReceiptFields;
}

/**
 * Reads a delivery receipt from what a deliver_sm / data_sm carries: TLVs first, text
 * second (PROTOCOLS.md › SMPP 3.4). Faults in one source are tolerated when the other
 * supplies the id and stat; they are then listed in `anomalies`.
 *
 * @throws GW_ERR_SMPP_RECEIPT_MALFORMED when neither source yields both an id and a
 *   recognisable stat, or when the only source for one of them is malformed.
 */
export function parseDeliveryReceipt(input: { readonly tlvs?: ReceiptTlvs; readonly text?: string | Uint8Array }): DeliveryReceipt {
  const anomalies: string[] = [];
  let fromTlvs: ReceiptFields = {};
  let tlvError: HeraldError | undefined;
  if (input.tlvs !== undefined) {
    try {
      fromTlvs = receiptFromTlvs(input.tlvs);
    } catch (error) {
      tlvError = error as HeraldError;
      // Keep what is individually sound; the text may make up for the rest.
      fromTlvs = salvageTlvs(input.tlvs, anomalies);
    }
  }
  let fromText: ReceiptFields = {};
  const hasText = input.text !== undefined && input.text.length > 0;
  if (hasText && input.text !== undefined) {
    try {
      fromText = parseReceiptFields(input.text);
    } catch (error) {
      if (fromTlvs.id === undefined || fromTlvs.stat === undefined) throw error;
      anomalies.push(`receipt text unreadable: ${(error as HeraldError).detail}`);
    }
  }
  if (tlvError !== undefined && (fromTlvs.id ?? fromText.id) === undefined) throw tlvError;
  if (tlvError !== undefined && (fromTlvs.stat ?? fromText.stat) === undefined) throw tlvError;
  return mergeReceipt(fromTlvs, fromText, anomalies);
}

function salvageTlvs(tlvs: ReceiptTlvs, anomalies: string[]): ReceiptFields {
  const out: { -readonly [K in keyof ReceiptFields]: ReceiptFields[K] } = {};
  const parts: ReceiptTlvs[] = [
    tlvs.receiptedMessageId === undefined ? {} : { receiptedMessageId: tlvs.receiptedMessageId },
    tlvs.messageState === undefined ? {} : { messageState: tlvs.messageState },
    tlvs.networkErrorCode === undefined ? {} : { networkErrorCode: tlvs.networkErrorCode },
  ];
  for (const part of parts) {
    try {
      Object.assign(out, receiptFromTlvs(part));
    } catch (error) {
      anomalies.push((error as HeraldError).detail);
    }
  }
  return out;
}

/**
 * How to turn an SMSC's message id into Herald's correlation key:
 * - `as-is`: unchanged (after removing NUL padding and surrounding whitespace);
 * - `hex-to-decimal`: read as hexadecimal, written in decimal (no leading zeros);
 * - `decimal-to-hex`: read as decimal, written in lower-case hexadecimal (no leading zeros);
 * - `lowercase`: lower-cased;
 * - `strip-leading-zeros`: leading `0`s removed, keeping one for an all-zero id.
 */
export type MessageIdMode = 'as-is' | 'hex-to-decimal' | 'decimal-to-hex' | 'lowercase' | 'strip-leading-zeros';

/** Every {@link MessageIdMode}, for configuration schemas. */
export const MESSAGE_ID_MODES: readonly MessageIdMode[] = ['as-is', 'hex-to-decimal', 'decimal-to-hex', 'lowercase', 'strip-leading-zeros'];

function applyIdMode(id: string, mode: MessageIdMode): string {
  switch (mode) {
    case 'as-is':
      return id;
    case 'lowercase':
      return id.toLowerCase();
    case 'strip-leading-zeros':
      return id.replace(/^0+(?=.)/, '');
    case 'hex-to-decimal':
      if (!/^(0x)?[0-9a-f]+$/i.test(id)) throw malformed(`message id ${id} is not hexadecimal`, { id, mode });
      return BigInt(id.toLowerCase().startsWith('0x') ? id : `0x${id}`).toString(10);
    case 'decimal-to-hex':
      if (!/^\d+$/.test(id)) throw malformed(`message id ${id} is not decimal`, { id, mode });
      return BigInt(id).toString(16);
    default:
      throw malformed(`unknown message id mode ${String(mode)}`, { mode });
  }
}

/**
 * Normalises an SMSC message id so the submit_sm_resp id and the receipt id of one
 * message compare equal, e.g. resp `hex-to-decimal` + receipt `as-is` when the SMSC answers
 * hex and reports decimal. An array of modes is applied left to right
 * (`['strip-leading-zeros', 'lowercase']`).
 *
 * @throws GW_ERR_SMPP_RECEIPT_MALFORMED when the id is empty, longer than
 *   {@link MESSAGE_ID_MAX_LENGTH}, or not in the base a conversion mode expects (meta: id, mode).
 */
export function normaliseMessageId(id: string, mode: MessageIdMode | readonly MessageIdMode[]): string {
  let out = checkId(cleanId(id), 'message id');
  for (const step of typeof mode === 'string' ? [mode] : mode) out = applyIdMode(out, step);
  return out;
}
