/**
 * GSM 03.38 (3GPP TS 23.038 §6.2.1) default alphabet and its extension table, plus the
 * two other character sets Herald puts in an SMPP `short_message`: ISO-8859-1
 * (data_coding 3) and UCS-2 / UTF-16BE (data_coding 8).
 *
 * SMPP 3.4 (§5.2.19) carries GSM text with data_coding 0 as one septet per octet, unpacked;
 * the SMSC packs it for the air interface. So the GSM functions here work on septet
 * values stored one per byte. 7-bit packing is deliberately absent: nothing on an SMPP
 * bind needs it.
 *
 * Pure: no I/O, no logging. Failures are {@link HeraldError}s.
 */
import { heraldError } from '../errors.js';

/** SMPP data_coding for the SMSC default alphabet, which Herald treats as GSM 03.38. */
export const DATA_CODING_GSM7 = 0x00;
/** SMPP data_coding for IA5 / ASCII (decoded only; Herald never sends it). */
export const DATA_CODING_IA5 = 0x01;
/** SMPP data_coding for ISO-8859-1. */
export const DATA_CODING_LATIN1 = 0x03;
/** SMPP data_coding for UCS-2, sent as UTF-16BE so astral characters survive as pairs. */
export const DATA_CODING_UCS2 = 0x08;

/** The septet that switches the next septet to the extension table (TS 23.038 §6.2.1.1). */
export const GSM_ESCAPE = 0x1b;

/**
 * The basic table, indexed by septet value. 0x1B is the escape, never a character of its
 * own; it stands here as a placeholder so indices line up. 0x09 is the capital Ç, as in
 * the Unicode consortium's GSM0338.TXT mapping.
 */
const BASIC_TABLE =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** Extension table entries (TS 23.038 §6.2.1.1): septet after the escape → character. */
const EXTENSION_TABLE: ReadonlyArray<readonly [number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

const BASIC_ENCODE = new Map<number, number>();
for (let septet = 0; septet < BASIC_TABLE.length; septet++) {
  if (septet === GSM_ESCAPE) continue;
  BASIC_ENCODE.set(BASIC_TABLE.charCodeAt(septet), septet);
}
const EXTENSION_ENCODE = new Map<number, number>();
const EXTENSION_DECODE = new Map<number, string>();
for (const [septet, char] of EXTENSION_TABLE) {
  EXTENSION_ENCODE.set(char.charCodeAt(0), septet);
  EXTENSION_DECODE.set(septet, char);
}

/** Every character of the extension table, which costs two septets each. */
export const GSM_EXTENSION_CHARS: string = EXTENSION_TABLE.map(([, char]) => char).join('');

/** What a decoder shows for a septet it cannot map (TS 23.038 says: display a space). */
const GSM_UNMAPPED = ' ';
/** What a decoder shows for an octet that cannot be a septet at all (high bit set). */
const REPLACEMENT = '\ufffd';

function unencodable(text: string, index: number, charset: string): never {
  const codePoint = text.codePointAt(index) ?? 0;
  throw heraldError('GW_ERR_GSM_UNENCODABLE', `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at ${index} is not in ${charset}`, {
    meta: { index, codePoint, charset },
  });
}

/**
 * Whether a UTF-16 code unit is in the GSM 03.38 extension table (and so costs two septets).
 * Accepts a one-character string; anything else returns false.
 */
export function isGsmExtensionChar(char: string): boolean {
  return char.length === 1 && EXTENSION_ENCODE.has(char.charCodeAt(0));
}

/**
 * The septet cost of one UTF-16 code unit in GSM 03.38: 1 for the basic table, 2 for the
 * extension table, 0 when it cannot be encoded at all.
 */
export function gsmCharSeptets(codeUnit: number): 0 | 1 | 2 {
  if (BASIC_ENCODE.has(codeUnit)) return 1;
  if (EXTENSION_ENCODE.has(codeUnit)) return 2;
  return 0;
}

/**
 * Whether every character of `text` is in the GSM 03.38 default alphabet or its extension
 * table (TS 23.038 §6.2.1). The escape character U+001B itself is not encodable.
 */
export function canEncodeGsm(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (gsmCharSeptets(text.charCodeAt(i)) === 0) return false;
  }
  return true;
}

/**
 * Number of septets `text` takes in GSM 03.38, counting each extension character as two
 * (escape + character), as the 160-septet SMS limit does.
 *
 * @throws GW_ERR_GSM_UNENCODABLE when a character is outside the alphabet (meta: index, codePoint).
 */
export function gsmSeptetLength(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const cost = gsmCharSeptets(text.charCodeAt(i));
    if (cost === 0) unencodable(text, i, 'GSM 03.38');
    septets += cost;
  }
  return septets;
}

/**
 * Encodes text as GSM 03.38 septets, one per octet (SMPP data_coding 0, unpacked).
 * Extension characters become the escape 0x1B followed by their extension septet.
 *
 * @throws GW_ERR_GSM_UNENCODABLE when a character is outside the alphabet (meta: index, codePoint).
 */
export function encodeGsm7(text: string): Buffer {
  const out = Buffer.allocUnsafe(gsmSeptetLength(text));
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const basic = BASIC_ENCODE.get(unit);
    if (basic !== undefined) {
      out[at++] = basic;
      continue;
    }
    // gsmSeptetLength already proved every unit is in one of the two tables.
    out[at++] = GSM_ESCAPE;
    out[at++] = EXTENSION_ENCODE.get(unit) ?? 0;
  }
  return out;
}

/**
 * Decodes GSM 03.38 septets stored one per octet. Total, never throws, so a damaged
 * mobile-originated message still reads:
 * - escape + a septet the extension table lacks shows the basic-table character
 *   (TS 23.038 §6.2.1.1, "display the character from the default alphabet");
 * - a lone trailing escape, and escape + escape, show a space (the note on 0x1B);
 * - an octet above 0x7F cannot be a septet and becomes U+FFFD.
 */
export function decodeGsm7(septets: Uint8Array): string {
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const septet = septets[i] ?? 0;
    if (septet > 0x7f) {
      out += REPLACEMENT;
      continue;
    }
    if (septet !== GSM_ESCAPE) {
      out += BASIC_TABLE[septet] ?? GSM_UNMAPPED;
      continue;
    }
    const next = septets[i + 1];
    if (next === undefined || next === GSM_ESCAPE) {
      out += GSM_UNMAPPED;
      i++;
      continue;
    }
    i++;
    if (next > 0x7f) {
      out += REPLACEMENT;
      continue;
    }
    out += EXTENSION_DECODE.get(next) ?? BASIC_TABLE[next] ?? GSM_UNMAPPED;
  }
  return out;
}

/** Whether every UTF-16 code unit of `text` is in ISO-8859-1 (U+0000–U+00FF). */
export function canEncodeLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) return false;
  }
  return true;
}

/**
 * Encodes text as ISO-8859-1 (SMPP data_coding 3), one octet per character.
 *
 * @throws GW_ERR_GSM_UNENCODABLE when a character is above U+00FF (meta: index, codePoint).
 */
export function encodeLatin1(text: string): Buffer {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) unencodable(text, i, 'ISO-8859-1');
  }
  return Buffer.from(text, 'latin1');
}

/** Decodes ISO-8859-1 octets. Total: every octet is a character. */
export function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/**
 * Encodes text as UCS-2 (SMPP data_coding 8) in its UTF-16BE form: characters beyond the
 * BMP (emoji) become surrogate pairs, as every handset in service expects. Never throws:
 * any JavaScript string is a sequence of 16-bit units.
 */
export function encodeUcs2(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

/**
 * Decodes UCS-2 / UTF-16BE octets. Total: a dangling odd octet (a sender's bug) becomes
 * U+FFFD; unpaired surrogates are kept as they are so reassembly stays lossless.
 */
export function decodeUcs2(bytes: Uint8Array): string {
  const units = Math.floor(bytes.length / 2);
  const codes = new Array<number>(units);
  for (let i = 0; i < units; i++) codes[i] = ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0);
  // String.fromCharCode spreads onto the stack: chunk so a 64 KiB payload cannot overflow it.
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
  return bytes.length % 2 === 1 ? out + REPLACEMENT : out;
}
