/**
 * SMS encoding choice and segmentation for SMPP 3.4 submit_sm, and the inverse helpers for
 * reading concatenated parts back.
 *
 * Specs followed: SMPP 3.4 §5.2.19 (data_coding), §5.3.2.22–24 (sar_* TLVs), §5.3.2.32
 * (message_payload); 3GPP TS 23.040 §9.2.3.24.1 (8-bit reference concatenation IE 0x00)
 * and §9.2.3.24.8 (16-bit reference IE 0x08); TS 23.038 for the alphabets.
 *
 * Pure: no I/O, no logging, no clock, no randomness.
 */
import { heraldError } from '../errors.js';
import {
  DATA_CODING_GSM7,
  DATA_CODING_IA5,
  DATA_CODING_LATIN1,
  DATA_CODING_UCS2,
  canEncodeGsm,
  canEncodeLatin1,
  decodeGsm7,
  decodeLatin1,
  decodeUcs2,
  encodeGsm7,
  encodeLatin1,
  encodeUcs2,
  gsmCharSeptets,
  gsmSeptetLength,
} from './gsm0338.js';

/** Character set of a planned message. */
export type SmsEncoding = 'gsm7' | 'latin1' | 'ucs2';

/**
 * How a long message is split:
 * - `udh8`: concatenation UDH with an 8-bit reference, `05 00 03 ref total seq`;
 * - `udh16`: concatenation UDH with a 16-bit reference, `06 08 04 refHi refLo total seq`;
 * - `sar`: no UDH, the SMSC builds it from the sar_msg_ref_num / sar_total_segments /
 *   sar_segment_seqnum TLVs;
 * - `payload`: never split by Herald, the whole text in one message_payload TLV and the
 *   SMSC splits it for the network.
 */
export type SmsSegmentation = 'udh8' | 'udh16' | 'sar' | 'payload';

/** A single SMS holds 160 GSM 03.38 septets (140 octets × 8 / 7). */
export const SMS_SINGLE_GSM7_SEPTETS = 160;
/** A single SMS holds 140 octets of 8-bit data (ISO-8859-1 here). */
export const SMS_SINGLE_OCTETS = 140;
/** A single SMS holds 70 UCS-2 units (140 octets / 2). */
export const SMS_SINGLE_UCS2_UNITS = 70;
/** Octets taken by the 8-bit-reference concatenation UDH including its length octet. */
export const UDH8_CONCAT_OCTETS = 6;
/** Octets taken by the 16-bit-reference concatenation UDH including its length octet. */
export const UDH16_CONCAT_OCTETS = 7;
/** The total and sequence fields are one octet, so no message has more parts than this. */
export const SMS_MAX_PARTS_LIMIT = 255;
/** message_payload's TLV length field is 16 bits. */
export const MESSAGE_PAYLOAD_MAX_OCTETS = 0xffff;
/** The UDH indicator bit of esm_class (SMPP 3.4 §5.2.12). */
export const ESM_CLASS_UDHI = 0x40;

/** Capacity of one part in the unit of its encoding (septets, octets, UTF-16 units). */
interface Capacity {
  readonly single: number;
  readonly udh8: number;
  readonly udh16: number;
}

/**
 * Per-part capacities. UDH takes whole octets from the 140; for GSM the header is padded
 * to a septet boundary, which is why 6 octets cost 7 septets (160 → 153) and 7 cost 8
 * (160 → 152).
 */
export const SMS_CAPACITY: Readonly<Record<SmsEncoding, Capacity>> = {
  gsm7: { single: SMS_SINGLE_GSM7_SEPTETS, udh8: 153, udh16: 152 },
  latin1: { single: SMS_SINGLE_OCTETS, udh8: SMS_SINGLE_OCTETS - UDH8_CONCAT_OCTETS, udh16: SMS_SINGLE_OCTETS - UDH16_CONCAT_OCTETS },
  ucs2: { single: SMS_SINGLE_UCS2_UNITS, udh8: 67, udh16: 66 },
};

const DATA_CODING: Readonly<Record<SmsEncoding, number>> = {
  gsm7: DATA_CODING_GSM7,
  latin1: DATA_CODING_LATIN1,
  ucs2: DATA_CODING_UCS2,
};

/** Options of {@link planSms}. */
export interface SmsPlanOptions {
  /**
   * How to split a message longer than one SMS.
   * @defaultValue 'udh8'
   */
  readonly segmentation?: SmsSegmentation;
  /**
   * Use ISO-8859-1 (data_coding 3) for text that is not GSM 03.38 but fits Latin-1, instead
   * of UCS-2. Only for SMSCs known to handle it.
   * @defaultValue false
   */
  readonly allowLatin1?: boolean;
  /**
   * Most parts a message may take (1–255). For `payload` the count is what the SMSC will
   * need with 8-bit UDH, so the limit means the same on every connection.
   * @defaultValue 255 ({@link SMS_MAX_PARTS_LIMIT})
   */
  readonly maxParts?: number;
  /**
   * Concatenation reference, masked to 8 or 16 bits. Callers should pass a per-destination
   * counter. Without one, a hash of the text is used: deterministic, so re-planning the
   * same message after a reconnect reuses the reference and the handset still merges.
   */
  readonly reference?: number;
  /**
   * Use this encoding whatever the text (e.g. a connection that must always get UCS-2).
   * Without it, {@link chooseSmsEncoding} decides.
   */
  readonly encoding?: SmsEncoding;
}

/** TLVs a part needs besides its short_message. */
export interface SmsPartTlvs {
  /** sar_msg_ref_num (0x020C). */
  readonly sarMsgRefNum?: number;
  /** sar_total_segments (0x020E). */
  readonly sarTotalSegments?: number;
  /** sar_segment_seqnum (0x020F). */
  readonly sarSegmentSeqnum?: number;
  /** message_payload (0x0424): the whole encoded text; short_message is then empty. */
  readonly messagePayload?: Buffer;
}

/** One submit_sm worth of a planned message. */
export interface SmsPart {
  /** 1-based position. */
  readonly seq: number;
  readonly total: number;
  /** Concatenation reference; 0 for a message that is not split. */
  readonly ref: number;
  readonly dataCoding: number;
  /** Only the UDHI bit (0x40 when a UDH leads shortMessage); OR it into the message mode. */
  readonly esmClass: number;
  /** UDH (when any) followed by the encoded text. Empty when the text is in messagePayload. */
  readonly shortMessage: Buffer;
  readonly tlvs?: SmsPartTlvs;
  /** The slice of the original text this part carries. */
  readonly text: string;
  /** Length of that slice in the encoding's unit. */
  readonly units: number;
}

/** Result of {@link planSms}. */
export interface SmsPlan {
  readonly encoding: SmsEncoding;
  readonly dataCoding: number;
  readonly segmentation: SmsSegmentation;
  /** Length of the whole text in the encoding's unit (septets, octets, UTF-16 units). */
  readonly units: number;
  readonly parts: readonly SmsPart[];
}

/** Result of {@link measureSms}: what a plan would need, without building it. */
export interface SmsMeasure {
  readonly encoding: SmsEncoding;
  readonly units: number;
  readonly parts: number;
}

/**
 * Picks the encoding: GSM 03.38 when every character fits (most compact), else ISO-8859-1
 * when allowed and it fits, else UCS-2, which fits anything.
 */
export function chooseSmsEncoding(text: string, allowLatin1 = false): SmsEncoding {
  if (canEncodeGsm(text)) return 'gsm7';
  if (allowLatin1 && canEncodeLatin1(text)) return 'latin1';
  return 'ucs2';
}

/**
 * Cost of the indivisible unit starting at `i`: [UTF-16 length, cost in the encoding].
 * An extension character (2 septets) and a surrogate pair (2 units) are each one atom,
 * which is what keeps them from being split across parts.
 */
function atomAt(text: string, i: number, encoding: SmsEncoding): readonly [number, number] {
  const unit = text.charCodeAt(i);
  if (encoding === 'gsm7') return [1, gsmCharSeptets(unit)];
  if (encoding === 'latin1') return [1, 1];
  if (unit >= 0xd800 && unit <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return [2, 2];
  }
  return [1, 1];
}

function totalUnits(text: string, encoding: SmsEncoding): number {
  if (encoding !== 'gsm7') return text.length;
  let units = 0;
  for (let i = 0; i < text.length; i++) units += gsmCharSeptets(text.charCodeAt(i));
  return units;
}

/** Splits text into [start, end) ranges of at most `capacity` units, never inside an atom. */
function splitRanges(text: string, encoding: SmsEncoding, capacity: number): Array<readonly [number, number, number]> {
  const ranges: Array<readonly [number, number, number]> = [];
  let start = 0;
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const [length, cost] = atomAt(text, i, encoding);
    if (used + cost > capacity) {
      ranges.push([start, i, used]);
      start = i;
      used = 0;
    }
    used += cost;
    i += length;
  }
  ranges.push([start, text.length, used]);
  return ranges;
}

function partCapacity(encoding: SmsEncoding, segmentation: SmsSegmentation): number {
  // SAR parts are sized like 8-bit UDH parts: the SMSC adds that UDH when it forwards
  // them, so larger parts would not fit (Kannel, Jasmin and most SMSC docs do the same).
  return segmentation === 'udh16' ? SMS_CAPACITY[encoding].udh16 : SMS_CAPACITY[encoding].udh8;
}

function resolveMaxParts(maxParts: number | undefined): number {
  if (maxParts === undefined) return SMS_MAX_PARTS_LIMIT;
  if (!Number.isInteger(maxParts) || maxParts < 1) {
    throw heraldError('GW_ERR_CONFIG_INVALID', `maxParts must be an integer ≥ 1, got ${String(maxParts)}`, { meta: { maxParts } });
  }
  return Math.min(maxParts, SMS_MAX_PARTS_LIMIT);
}

/**
 * Encoding and number of parts `text` needs, without encoding it: what SIP ingress uses
 * to answer 413 before anything is stored.
 *
 * @throws GW_ERR_CONTENT_TOO_LARGE when more than `maxParts` parts are needed (meta: maxParts, parts).
 * @throws GW_ERR_CONFIG_INVALID when `maxParts` is not a positive integer.
 * @throws GW_ERR_GSM_UNENCODABLE when a forced `encoding` cannot carry the text.
 */
export function measureSms(text: string, options: SmsPlanOptions = {}): SmsMeasure {
  const encoding = options.encoding ?? chooseSmsEncoding(text, options.allowLatin1 ?? false);
  if (encoding === 'gsm7') gsmSeptetLength(text);
  if (encoding === 'latin1') encodeLatin1(text);
  const units = totalUnits(text, encoding);
  const parts =
    units <= SMS_CAPACITY[encoding].single
      ? 1
      : splitRanges(text, encoding, partCapacity(encoding, options.segmentation ?? 'udh8')).length;
  const maxParts = resolveMaxParts(options.maxParts);
  if (parts > maxParts) {
    throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `message needs ${parts} SMS parts, the limit is ${maxParts}`, {
      meta: { maxParts, parts },
    });
  }
  return { encoding, units, parts };
}

function encodeText(text: string, encoding: SmsEncoding): Buffer {
  if (encoding === 'gsm7') return encodeGsm7(text);
  if (encoding === 'latin1') return encodeLatin1(text);
  return encodeUcs2(text);
}

/** FNV-1a over the UTF-16 units: a stable default reference (see SmsPlanOptions.reference). */
function textHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function udh(segmentation: 'udh8' | 'udh16', ref: number, total: number, seq: number): Buffer {
  return segmentation === 'udh8'
    ? Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq])
    : Buffer.from([0x06, 0x08, 0x04, (ref >> 8) & 0xff, ref & 0xff, total, seq]);
}

/**
 * Plans the submit_sm PDUs for one text: chooses the encoding ({@link chooseSmsEncoding}),
 * then keeps it in one part when it fits 160 septets / 140 octets / 70 UCS-2 units, else
 * splits it per `segmentation` (153/134/67 per part with 8-bit UDH or SAR, 152/133/66 with
 * 16-bit UDH). An extension character (escape + septet) and a surrogate pair are never
 * split across parts. With `payload` the text is one message_payload TLV.
 *
 * Follows SMPP 3.4 §5.2.12, §5.2.19, §5.3.2.22–24, §5.3.2.32 and TS 23.040 §9.2.3.24.1/.8.
 *
 * @throws GW_ERR_CONTENT_TOO_LARGE when more than `maxParts` parts are needed (meta: maxParts, parts),
 *   or when a `payload` text exceeds {@link MESSAGE_PAYLOAD_MAX_OCTETS} (meta: maxOctets, octets).
 * @throws GW_ERR_CONFIG_INVALID when `maxParts` is not a positive integer.
 * @throws GW_ERR_GSM_UNENCODABLE when a forced `encoding` cannot carry the text.
 */
export function planSms(text: string, options: SmsPlanOptions = {}): SmsPlan {
  const segmentation = options.segmentation ?? 'udh8';
  const { encoding, units, parts: count } = measureSms(text, options);
  const dataCoding = DATA_CODING[encoding];

  if (segmentation === 'payload') {
    const payload = encodeText(text, encoding);
    if (payload.length > MESSAGE_PAYLOAD_MAX_OCTETS) {
      throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `message_payload of ${payload.length} octets`, {
        meta: { maxOctets: MESSAGE_PAYLOAD_MAX_OCTETS, octets: payload.length },
      });
    }
    const part: SmsPart = {
      seq: 1,
      total: 1,
      ref: 0,
      dataCoding,
      esmClass: 0,
      shortMessage: Buffer.alloc(0),
      tlvs: { messagePayload: payload },
      text,
      units,
    };
    return { encoding, dataCoding, segmentation, units, parts: [part] };
  }

  if (count === 1) {
    const part: SmsPart = { seq: 1, total: 1, ref: 0, dataCoding, esmClass: 0, shortMessage: encodeText(text, encoding), text, units };
    return { encoding, dataCoding, segmentation, units, parts: [part] };
  }

  const refMask = segmentation === 'udh8' ? 0xff : 0xffff;
  const ref = (options.reference ?? textHash(text)) & refMask;
  const ranges = splitRanges(text, encoding, partCapacity(encoding, segmentation));
  const total = ranges.length;
  const parts = ranges.map(([start, end, partUnits], index): SmsPart => {
    const seq = index + 1;
    const slice = text.slice(start, end);
    const body = encodeText(slice, encoding);
    if (segmentation === 'sar') {
      return {
        seq,
        total,
        ref,
        dataCoding,
        esmClass: 0,
        shortMessage: body,
        tlvs: { sarMsgRefNum: ref, sarTotalSegments: total, sarSegmentSeqnum: seq },
        text: slice,
        units: partUnits,
      };
    }
    return {
      seq,
      total,
      ref,
      dataCoding,
      esmClass: ESM_CLASS_UDHI,
      shortMessage: Buffer.concat([udh(segmentation, ref, total, seq), body]),
      text: slice,
      units: partUnits,
    };
  });
  return { encoding, dataCoding, segmentation, units, parts };
}

/** Concatenation facts read from a UDH. */
export interface UdhConcatInfo {
  readonly ref: number;
  readonly total: number;
  /** 1-based. */
  readonly seq: number;
  /** Octets of the whole header, its length octet included: the text starts here. */
  readonly udhLength: number;
  readonly referenceBits: 8 | 16;
}

/**
 * Length of the user data header at the start of `shortMessage` (UDHL + 1), or 0 when the
 * header claims more octets than there are (then the whole buffer is best read as text).
 * Call only when esm_class has the UDHI bit. TS 23.040 §9.2.3.24.
 */
export function udhLength(shortMessage: Uint8Array): number {
  const udhl = shortMessage[0];
  if (udhl === undefined || udhl + 1 > shortMessage.length) return 0;
  return udhl + 1;
}

/**
 * Reads the concatenation information element of a UDH-led short_message (TS 23.040
 * §9.2.3.24.1 IE 0x00, §9.2.3.24.8 IE 0x08). Never throws.
 *
 * @returns undefined when there is no header, it is truncated, it has no concatenation IE,
 *   or that IE is invalid (total or seq 0, seq > total: the spec says ignore the IE).
 */
export function parseUdh(shortMessage: Uint8Array): UdhConcatInfo | undefined {
  const length = udhLength(shortMessage);
  if (length === 0) return undefined;
  let found: UdhConcatInfo | undefined;
  let i = 1;
  while (i + 1 < length) {
    const iei = shortMessage[i] ?? 0;
    const iel = shortMessage[i + 1] ?? 0;
    const data = i + 2;
    if (data + iel > length) return undefined;
    if (iei === 0x00 && iel === 3) {
      found = concatInfo(shortMessage[data] ?? 0, shortMessage[data + 1] ?? 0, shortMessage[data + 2] ?? 0, length, 8);
    } else if (iei === 0x08 && iel === 4) {
      const ref = ((shortMessage[data] ?? 0) << 8) | (shortMessage[data + 1] ?? 0);
      found = concatInfo(ref, shortMessage[data + 2] ?? 0, shortMessage[data + 3] ?? 0, length, 16);
    }
    i = data + iel;
  }
  return found;
}

function concatInfo(ref: number, total: number, seq: number, udhLength: number, referenceBits: 8 | 16): UdhConcatInfo | undefined {
  if (total === 0 || seq === 0 || seq > total) return undefined;
  return { ref, total, seq, udhLength, referenceBits };
}

/**
 * Decodes SMS user data (UDH already removed) for an SMPP data_coding value:
 * 0 GSM 03.38 (septets one per octet), 1 IA5 (read as ISO-8859-1, a superset), 3 ISO-8859-1,
 * 8 UCS-2 as UTF-16BE, and the GSM "message class" group 0xF0–0xF7 (bit 2: 8-bit data read
 * as ISO-8859-1, else GSM). SMPP 3.4 §5.2.19, TS 23.038 §4.
 *
 * Concatenate the bodies of all parts before decoding GSM text: a sender that split an
 * escape from its character is then still read right.
 *
 * @throws GW_ERR_CONTENT_CHARSET for a data_coding that is not text (binary 2/4) or that
 *   Herald does not read (meta: dataCoding).
 */
export function decodeSmsText(bytes: Uint8Array, dataCoding: number): string {
  switch (dataCoding) {
    case DATA_CODING_GSM7:
      return decodeGsm7(bytes);
    case DATA_CODING_IA5:
    case DATA_CODING_LATIN1:
      return decodeLatin1(bytes);
    case DATA_CODING_UCS2:
      return decodeUcs2(bytes);
    default:
      if ((dataCoding & 0xf8) === 0xf0) return (dataCoding & 0x04) !== 0 ? decodeLatin1(bytes) : decodeGsm7(bytes);
      throw heraldError('GW_ERR_CONTENT_CHARSET', `data_coding 0x${dataCoding.toString(16).padStart(2, '0')} is not a text encoding Herald reads`, {
        meta: { dataCoding },
      });
  }
}
