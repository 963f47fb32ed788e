/**
 * Text from bytes in a declared charset, the one way every part of Herald decodes text
 * (mail bodies, MIME parameters, RFC 2047 words, stored message bodies, SIP bodies).
 *
 * Why iconv-lite and not TextDecoder: Node 20.18.3 and later decode `windows-1252` as
 * Latin-1 (nodejs/node#60888), so Outlook's `’ – “ ” … €` (0x80–0x9F) arrive as invisible
 * C1 control characters. iconv-lite is the table nodemailer's libmime and mailparser use
 * (already installed through them), has its own types, and knows the legacy labels mail
 * still carries (ks_c_5601-1987, gb2312, iso-2022-jp, …).
 */
import iconv from 'iconv-lite';
import { heraldError } from '../errors.js';

const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true });

/**
 * The label to decode with. As the WHATWG Encoding Standard (and so every browser and
 * mail client) does, `us-ascii` and `iso-8859-1` mean windows-1252, a superset: senders
 * label cp1252 text as Latin-1 all the time, and real Latin-1 text never uses 0x80–0x9F.
 */
function effectiveLabel(charset: string | undefined): string {
  const label = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (label === '' || label === 'utf8' || label === 'unicode-1-1-utf-8') return 'utf-8';
  if (/^(us-?ascii|ascii|iso[-_]?8859-1|iso_8859-1(:1987)?|latin-?1|l1|cp819|ibm819|iso-ir-100|csisolatin1|x-user-defined)$/.test(label)) {
    return 'windows-1252';
  }
  return label;
}

/**
 * What iconv-lite lacks (the stateful ISO-2022-JP of Japanese mail) the WHATWG decoder
 * has; windows-1252 never gets here, iconv-lite knows it.
 */
function whatwgDecode(bytes: Buffer, label: string): string | undefined {
  if (label === 'utf-8') return undefined;
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes bytes in the named charset; an unknown or missing charset falls back to UTF-8
 * with U+FFFD for bad bytes, because a mislabelled mail is better read imperfectly than
 * dropped. Never throws.
 */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label = effectiveLabel(charset);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (label !== 'utf-8' && iconv.encodingExists(label)) return iconv.decode(buffer, label);
  return whatwgDecode(buffer, label) ?? buffer.toString('utf8');
}

/**
 * Decodes bytes in the named charset, refusing what cannot be read exactly: an unknown
 * label, or bytes that are not valid UTF-8 when the charset is UTF-8 (single-byte
 * charsets have no invalid bytes).
 * @throws GW_ERR_CONTENT_CHARSET naming the charset.
 */
export function decodeCharsetStrict(bytes: Uint8Array, charset: string | undefined): string {
  const label = effectiveLabel(charset);
  if (label === 'utf-8') {
    try {
      return UTF8_FATAL.decode(bytes);
    } catch {
      throw heraldError('GW_ERR_CONTENT_CHARSET', `bytes not valid ${label}`);
    }
  }
  const named = label.slice(0, 40);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (iconv.encodingExists(label)) return iconv.decode(buffer, label);
  const text = whatwgDecode(buffer, named);
  if (text === undefined) throw heraldError('GW_ERR_CONTENT_CHARSET', `unknown charset ${JSON.stringify(named)}`);
  return text;
}

/** The `charset` parameter of a Content-Type value (`text/plain;charset="x"`); UTF-8 when none. */
export function charsetOfContentType(contentType: string): string {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1] ?? 'utf-8';
}
