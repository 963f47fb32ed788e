/**
 * A small, strict-where-it-matters MIME walker for the reports and replies Herald reads
 * over IMAP: RFC 5322 header sections (folding, RFC 6532 UTF-8), RFC 2047 encoded-words,
 * RFC 2045 transfer encodings, RFC 2046 multipart bodies, RFC 2231 parameters, and
 * encapsulated messages (message/rfc822, message/global).
 *
 * Why not mailparser: its simpleParser folds message/delivery-status and
 * message/disposition-notification into `.text`, losing the part structure DSN and MDN
 * parsing depend on. This walker keeps every part, raw and decoded.
 *
 * Pure: bytes in, a tree out, no I/O. Every failure is a GW_ERR_MIME_MALFORMED HeraldError.
 * The message is handled as a latin1 string (one char per byte), so offsets are byte
 * offsets and bodies slice back to the exact original bytes.
 */
import { heraldError, isHeraldError, type HeraldError } from '../errors.js';
import { decodeCharset } from './charset.js';

/**
 * Largest message accepted: Postfix's default message_size_limit (10 MB) returned whole
 * in a RET=FULL DSN, inflated by base64 (4/3), with room for the report around it.
 */
export const MIME_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;
/**
 * Deepest nesting (multipart inside message/rfc822 inside multipart…). A DSN returning a
 * mail with attachments is about 5 deep; 16 stops recursion bombs long before the stack.
 */
export const MIME_MAX_DEPTH = 16;
/** Most parts in one message, counting every level: bounds work on crafted input. */
export const MIME_MAX_PARTS = 500;
/** Largest header section of one entity: above Postfix's header_size_limit (102400). */
export const MIME_MAX_HEADER_BYTES = 256 * 1024;
/** Most header fields in one entity: long relay paths add ~2 per hop, never hundreds. */
export const MIME_MAX_HEADER_FIELDS = 1000;

/** The limits one parse runs under; tests lower them to exercise the checks. */
export interface MimeLimits {
  /** @defaultValue {@link MIME_MAX_MESSAGE_BYTES} */
  readonly maxMessageBytes: number;
  /** @defaultValue {@link MIME_MAX_DEPTH} */
  readonly maxDepth: number;
  /** @defaultValue {@link MIME_MAX_PARTS} */
  readonly maxParts: number;
  /** @defaultValue {@link MIME_MAX_HEADER_BYTES} */
  readonly maxHeaderBytes: number;
  /** @defaultValue {@link MIME_MAX_HEADER_FIELDS} */
  readonly maxHeaderFields: number;
}

export const MIME_DEFAULT_LIMITS: MimeLimits = Object.freeze({
  maxMessageBytes: MIME_MAX_MESSAGE_BYTES,
  maxDepth: MIME_MAX_DEPTH,
  maxParts: MIME_MAX_PARTS,
  maxHeaderBytes: MIME_MAX_HEADER_BYTES,
  maxHeaderFields: MIME_MAX_HEADER_FIELDS,
});

/** One header field, unfolded (RFC 5322 §2.2.3) but not RFC 2047-decoded. */
export interface MimeHeader {
  /** As written; compare case-insensitively. */
  readonly name: string;
  /** Unfolded value with surrounding whitespace trimmed. */
  readonly value: string;
}

/** A parsed Content-Type (RFC 2045 §5.1) with RFC 2231 parameter values decoded. */
export interface ContentType {
  /** Lower-case `type/subtype`, e.g. `multipart/report`. */
  readonly mediaType: string;
  readonly type: string;
  readonly subtype: string;
  /** Parameter names lower-cased; values unquoted and RFC 2231-decoded. */
  readonly params: Readonly<Record<string, string>>;
}

/** One MIME entity: the message itself, a body part, or an encapsulated message. */
export interface MimePart {
  readonly headers: readonly MimeHeader[];
  readonly contentType: ContentType;
  /** Lower-case Content-Transfer-Encoding; `7bit` when absent. */
  readonly transferEncoding: string;
  /** Body bytes exactly as in the message (before transfer decoding). */
  readonly rawBody: Buffer;
  /** Body after base64/quoted-printable decoding; other encodings as is. */
  readonly body: Buffer;
  /** Child parts of a multipart, in order; empty otherwise. */
  readonly parts: readonly MimePart[];
  /**
   * The encapsulated message of a message/rfc822 or message/global part. Undefined when
   * the part is of another type, or when the enclosed message is itself malformed: a
   * report with a broken returned message still yields its report.
   */
  readonly message?: MimePart;
  /** 0 for the top-level message. */
  readonly depth: number;
}

const DEFAULT_TEXT_PLAIN: ContentType = Object.freeze({
  mediaType: 'text/plain',
  type: 'text',
  subtype: 'plain',
  params: Object.freeze({ charset: 'us-ascii' }),
});
const DEFAULT_MESSAGE_RFC822: ContentType = Object.freeze({
  mediaType: 'message/rfc822',
  type: 'message',
  subtype: 'rfc822',
  params: Object.freeze({}),
});

/**
 * Drops trailing SP/HTAB. A loop, not `/[ \t]+$/`, which backtracks quadratically on a
 * long run of blanks followed by anything else.
 */
function trimEndWsp(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--;
  return text.slice(0, end);
}

function malformed(detail: string, meta?: Record<string, unknown>): HeraldError {
  return heraldError('GW_ERR_MIME_MALFORMED', detail, meta === undefined ? undefined : { meta });
}

function limitExceeded(limit: keyof MimeLimits, max: number): HeraldError {
  return heraldError('GW_ERR_MIME_MALFORMED', `${limit} exceeded (max ${max})`, { meta: { limit, max } });
}

/** True for a GW_ERR_MIME_MALFORMED raised by a limit check (never swallowed). */
function isLimitError(err: unknown): boolean {
  return isHeraldError(err, 'GW_ERR_MIME_MALFORMED') && typeof err.meta['limit'] === 'string';
}

// ------------------------------------------------------------------------ charsets

export { decodeCharset };

const UTF8_FATAL = new TextDecoder('utf-8', { fatal: true });

/** latin1 string (one char per byte) → text: UTF-8 when valid (RFC 6532), else latin1. */
function bytesToText(latin1: string): string {
  if (!/[^\x00-\x7f]/.test(latin1)) return latin1;
  try {
    return UTF8_FATAL.decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return latin1;
  }
}

// ------------------------------------------------------------------------ headers

/** Index just past the header section's end, and where the body starts. */
function findHeaderEnd(text: string): { headerEnd: number; bodyStart: number } {
  if (text.startsWith('\r\n')) return { headerEnd: 0, bodyStart: 2 };
  if (text.startsWith('\n')) return { headerEnd: 0, bodyStart: 1 };
  const match = /\r?\n\r?\n/.exec(text);
  if (match === null) return { headerEnd: text.length, bodyStart: text.length };
  return { headerEnd: match.index, bodyStart: match.index + match[0].length };
}

/**
 * Parses a header section (RFC 5322 §2.2): one field per line, continuation lines start
 * with SP or HTAB and are unfolded by removing the line break only. 8-bit values are read
 * as UTF-8 (RFC 6532) when valid, latin1 otherwise. A leading mbox `From ` line is skipped.
 *
 * @throws GW_ERR_MIME_MALFORMED for a line that is neither a field nor a continuation, a
 * field name outside printable US-ASCII, or too many/too large fields.
 */
export function parseHeaderSection(
  section: string | Uint8Array,
  limits: Pick<MimeLimits, 'maxHeaderBytes' | 'maxHeaderFields'> = MIME_DEFAULT_LIMITS,
): MimeHeader[] {
  const text = typeof section === 'string' ? section : Buffer.from(section).toString('latin1');
  if (text.length > limits.maxHeaderBytes) throw limitExceeded('maxHeaderBytes', limits.maxHeaderBytes);
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[0]?.startsWith('From ')) lines.shift();
  const raw: Array<{ name: string; value: string }> = [];
  for (const line of lines) {
    if (line === '') continue;
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      const last = raw[raw.length - 1];
      if (last === undefined) throw malformed('header section starts with a continuation line');
      last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed('header line without a field name');
    const name = trimEndWsp(line.slice(0, colon));
    // RFC 5322 §2.2: ftext is printable US-ASCII except colon.
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) throw malformed('invalid header field name');
    if (raw.length >= limits.maxHeaderFields) throw limitExceeded('maxHeaderFields', limits.maxHeaderFields);
    raw.push({ name, value: line.slice(colon + 1) });
  }
  return raw.map((h) => ({ name: h.name, value: bytesToText(h.value).trim() }));
}

/** The first field named `name` (case-insensitive), unfolded and undecoded. */
export function headerValue(headers: readonly MimeHeader[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  return headers.find((h) => h.name.toLowerCase() === wanted)?.value;
}

/** Every field named `name` (case-insensitive), in order. */
export function headerValues(headers: readonly MimeHeader[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === wanted).map((h) => h.value);
}

/**
 * Folds one field for output (RFC 5322 §2.2.3): breaks before whitespace so no line
 * exceeds `width` where possible; a word longer than a line stays whole. CR and LF in
 * `value` are replaced by spaces, so a value can never start a new field.
 */
export function foldHeader(name: string, value: string, width = 78): string {
  const words = value.replace(/[\r\n]+/g, ' ').split(/(?=[ \t])/);
  const lines: string[] = [];
  let current = `${name}:`;
  let first = true;
  for (const word of words) {
    const piece = first && !/^[ \t]/.test(word) ? ` ${word}` : word;
    first = false;
    if (current.length + piece.length > width && current.trim() !== `${name}:` && /^[ \t]/.test(piece)) {
      lines.push(current);
      current = piece;
    } else {
      current += piece;
    }
  }
  lines.push(current);
  return lines.join('\r\n');
}

// ------------------------------------------------------------------ RFC 2047 words

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function decodeQ(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/**
 * Decodes RFC 2047 encoded-words in an unstructured header value (Subject, display
 * names). Whitespace between adjacent encoded-words is dropped (§6.2), and adjacent words
 * in one charset are joined before charset decoding, so a multi-byte character split
 * across two words survives. The RFC 2231 language suffix (`utf-8*en`) is ignored.
 * Malformed words are left as written. Never throws.
 */
export function decodeEncodedWords(value: string): string {
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = (): void => {
    if (pending !== undefined) out += decodeCharset(Buffer.concat(pending.bytes), pending.charset);
    pending = undefined;
  };
  for (const m of value.matchAll(ENCODED_WORD)) {
    const [word, rawCharset = '', enc = '', payload = ''] = m;
    const gap = value.slice(last, m.index);
    last = m.index + word.length;
    const charset = rawCharset.split('*')[0]?.toLowerCase() ?? '';
    const bytes = enc.toLowerCase() === 'b' ? decodeBase64Strict(payload) : decodeQ(payload);
    if (bytes === undefined) {
      flush();
      out += gap + word;
      continue;
    }
    // §6.2: whitespace between two encoded-words is not part of the text.
    const adjacent = pending !== undefined && /^[ \t\r\n]*$/.test(gap);
    if (adjacent && pending?.charset === charset) {
      pending.bytes.push(bytes);
      continue;
    }
    flush();
    if (!adjacent) out += gap;
    pending = { charset, bytes: [bytes] };
  }
  flush();
  return out + value.slice(last);
}

function decodeBase64Strict(payload: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(payload) || payload.length % 4 === 1) return undefined;
  return Buffer.from(payload, 'base64');
}

/** Longest encoded-word (RFC 2047 §2), so folded output stays within line limits. */
const ENCODED_WORD_MAX = 75;

/**
 * Encodes text as RFC 2047 B-encoded UTF-8 words when it is not plain printable ASCII (or
 * looks like an encoded-word itself); plain text is returned unchanged. Words are split
 * on character boundaries and joined by a space, which decoding removes (§6.2).
 */
export function encodeEncodedWords(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && !text.includes('=?')) return text;
  const prefix = '=?utf-8?B?';
  const maxBytes = Math.floor((ENCODED_WORD_MAX - prefix.length - 2) / 4) * 3;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > maxBytes) {
      words.push(`${prefix}${Buffer.from(chunk, 'utf8').toString('base64')}?=`);
      chunk = '';
    }
    chunk += ch;
  }
  words.push(`${prefix}${Buffer.from(chunk, 'utf8').toString('base64')}?=`);
  return words.join(' ');
}

// ------------------------------------------------------------ structured values

/** Splits on `sep` outside double quotes and parenthesised comments. */
function splitOutsideQuotes(value: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let comment = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      cur += c;
      if (c === '\\' && i + 1 < value.length) cur += value[++i] as string;
      else if (c === '"') quoted = false;
    } else if (comment > 0) {
      if (c === '(') comment++;
      else if (c === ')') comment--;
    } else if (c === '"') {
      quoted = true;
      cur += c;
    } else if (c === '(') comment = 1;
    else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

function percentDecode(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/**
 * Parses a Content-Type value (RFC 2045 §5.1), joining and decoding RFC 2231 parameter
 * continuations (`name*0*=utf-8''a%C3%A9`, `name*1=…`). A missing or unparsable media
 * type yields text/plain; charset=us-ascii, as RFC 2045 §5.2 prescribes.
 */
export function parseContentType(value: string | undefined): ContentType {
  if (value === undefined) return DEFAULT_TEXT_PLAIN;
  const [head = '', ...rest] = splitOutsideQuotes(value, ';');
  const media = /^\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*\/\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*$/.exec(head);
  if (media === null) return DEFAULT_TEXT_PLAIN;
  const type = (media[1] ?? '').toLowerCase();
  const subtype = (media[2] ?? '').toLowerCase();
  const simple = new Map<string, string>();
  const sections = new Map<string, Array<{ index: number; value: string; encoded: boolean }>>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    const val = param.slice(eq + 1).trim();
    const cont = /^([^*]+)\*(?:(\d{1,3})\*?|)$/.exec(key);
    if (cont !== null && key.includes('*')) {
      const base = cont[1] ?? '';
      const list = sections.get(base) ?? [];
      list.push({ index: cont[2] === undefined ? 0 : Number(cont[2]), value: val, encoded: key.endsWith('*') });
      sections.set(base, list);
    } else if (!simple.has(key)) {
      simple.set(key, unquote(val));
    }
  }
  const params: Record<string, string> = Object.fromEntries(simple);
  for (const [base, list] of sections) {
    list.sort((a, b) => a.index - b.index);
    let charset = 'utf-8';
    const bytes: Buffer[] = [];
    list.forEach((s, i) => {
      let v = unquote(s.value);
      if (s.encoded) {
        if (i === 0) {
          const m = /^([^']*)'[^']*'(.*)$/.exec(v);
          if (m !== null) {
            charset = m[1] === '' || m[1] === undefined ? 'utf-8' : m[1];
            v = m[2] ?? '';
          }
        }
        bytes.push(percentDecode(v));
      } else bytes.push(Buffer.from(v, 'utf8'));
    });
    params[base] = decodeCharset(Buffer.concat(bytes), charset);
  }
  return { mediaType: `${type}/${subtype}`, type, subtype, params };
}

/**
 * Extracts the `<id>` of a Message-ID, In-Reply-To or Original-Message-ID value
 * (RFC 5322 §3.6.4), ignoring comments and surrounding text. A bare id without angle
 * brackets is wrapped in them. Undefined when nothing id-like is present.
 */
export function normalizeMessageId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const angled = /<([^<>\s]+)>/.exec(value);
  if (angled !== null) return `<${angled[1]}>`;
  const bare = value.replace(/\([^()]*\)/g, '').trim();
  return /^[^\s<>]+@[^\s<>]+$/.test(bare) ? `<${bare}>` : undefined;
}

// ------------------------------------------------------------ transfer encodings

/** Quoted-printable (RFC 2045 §6.7), lenient: a bad `=` sequence is kept literally. */
export function decodeQuotedPrintable(input: Uint8Array): Buffer {
  const text = Buffer.from(input).toString('latin1');
  const out = Buffer.alloc(text.length);
  let n = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, idx) => {
    // Rule 3: trailing whitespace was added in transit and must be dropped.
    const line = trimEndWsp(rawLine);
    let soft = false;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x3d) {
        if (i === line.length - 1) {
          soft = true;
          break;
        }
        const hex = line.slice(i + 1, i + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
          out[n++] = parseInt(hex, 16);
          i += 2;
          continue;
        }
      }
      out[n++] = c & 0xff;
    }
    if (!soft && idx < lines.length - 1) {
      out[n++] = 0x0d;
      out[n++] = 0x0a;
    }
  });
  return out.subarray(0, n);
}

/**
 * Undoes a Content-Transfer-Encoding (RFC 2045 §6): base64 (characters outside the
 * alphabet are ignored, §6.8) and quoted-printable; 7bit, 8bit, binary and unknown
 * encodings are returned as they are, so the caller still sees the bytes.
 */
export function decodeTransferEncoding(body: Uint8Array, encoding: string): Buffer {
  switch (encoding.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(Buffer.from(body).toString('latin1').replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
}

/** The text of a part: transfer-decoded, then charset-decoded (default us-ascii). */
export function partText(part: MimePart): string {
  return decodeCharset(part.body, part.contentType.params['charset'] ?? 'us-ascii');
}

// ------------------------------------------------------------------ the walker

interface WalkState {
  readonly limits: MimeLimits;
  parts: number;
}

function findBoundaries(body: string, boundary: string): { parts: Array<[number, number]>; closed: boolean } {
  const delimiter = `--${boundary}`;
  const parts: Array<[number, number]> = [];
  let openStart = -1;
  let from = 0;
  for (;;) {
    const at = body.indexOf(delimiter, from);
    if (at < 0) break;
    from = at + delimiter.length;
    if (at > 0 && body[at - 1] !== '\n') continue;
    let p = at + delimiter.length;
    const closing = body.startsWith('--', p);
    if (closing) p += 2;
    // RFC 2046 §5.1.1: only linear whitespace may follow a delimiter on its line.
    const eol = body.indexOf('\n', p);
    const tail = body.slice(p, eol < 0 ? body.length : eol);
    if (!/^[ \t]*\r?$/.test(tail)) continue;
    // The line break before a delimiter belongs to the delimiter, not to the part.
    let contentEnd = at;
    if (contentEnd > 0 && body[contentEnd - 1] === '\n') contentEnd--;
    if (contentEnd > 0 && body[contentEnd - 1] === '\r') contentEnd--;
    if (openStart >= 0) parts.push([openStart, Math.max(openStart, contentEnd)]);
    if (closing) return { parts, closed: true };
    openStart = eol < 0 ? body.length : eol + 1;
  }
  // Without a close delimiter (truncated mail), the last part runs to the end.
  if (openStart >= 0) parts.push([openStart, body.length]);
  return { parts, closed: false };
}

/**
 * Parses one entity. `text` is `buf` as latin1, so string offsets are byte offsets and
 * bodies are views of `buf`, not copies: nesting costs no memory per level.
 */
function parseEntity(buf: Buffer, text: string, depth: number, state: WalkState, defaultType: ContentType): MimePart {
  if (depth > state.limits.maxDepth) throw limitExceeded('maxDepth', state.limits.maxDepth);
  state.parts++;
  if (state.parts > state.limits.maxParts) throw limitExceeded('maxParts', state.limits.maxParts);
  const { headerEnd, bodyStart } = findHeaderEnd(text);
  if (headerEnd > state.limits.maxHeaderBytes) throw limitExceeded('maxHeaderBytes', state.limits.maxHeaderBytes);
  const headers = parseHeaderSection(text.slice(0, headerEnd), state.limits);
  const ctValue = headerValue(headers, 'content-type');
  const contentType = ctValue === undefined ? defaultType : parseContentType(ctValue);
  const transferEncoding = (headerValue(headers, 'content-transfer-encoding') ?? '7bit').toLowerCase().trim();
  const bodyText = text.slice(bodyStart);
  const rawBody = buf.subarray(bodyStart);
  const parts: MimePart[] = [];
  let message: MimePart | undefined;
  let body = rawBody;

  if (contentType.type === 'multipart') {
    // RFC 2045 §6.4: multiparts are never transfer-encoded themselves; the body stays raw.
    const boundary = contentType.params['boundary'];
    if (boundary === undefined || boundary === '') throw malformed(`${contentType.mediaType} without a boundary`);
    if (boundary.length > 200) throw malformed('multipart boundary longer than 200 characters');
    const found = findBoundaries(bodyText, boundary);
    if (found.parts.length === 0) throw malformed(`${contentType.mediaType} without any body part`);
    // RFC 2046 §5.1.5: in a digest, parts default to message/rfc822.
    const childDefault = contentType.subtype === 'digest' ? DEFAULT_MESSAGE_RFC822 : DEFAULT_TEXT_PLAIN;
    for (const [start, end] of found.parts) {
      parts.push(parseEntity(rawBody.subarray(start, end), bodyText.slice(start, end), depth + 1, state, childDefault));
    }
  } else {
    body = decodeTransferEncoding(rawBody, transferEncoding);
    if (contentType.mediaType === 'message/rfc822' || contentType.mediaType === 'message/global') {
      try {
        const inner = body === rawBody ? bodyText : body.toString('latin1');
        message = parseEntity(body, inner, depth + 1, state, DEFAULT_TEXT_PLAIN);
      } catch (err) {
        if (isLimitError(err)) throw err;
        message = undefined;
      }
    }
  }
  return {
    headers,
    contentType,
    transferEncoding,
    rawBody,
    body,
    parts,
    ...(message === undefined ? {} : { message }),
    depth,
  };
}

/**
 * Parses a complete RFC 5322 message into its MIME tree (RFC 2045, RFC 2046).
 *
 * @param raw - The message bytes, CRLF or bare-LF line ends.
 * @param limits - Overrides of {@link MIME_DEFAULT_LIMITS}.
 * @throws GW_ERR_MIME_MALFORMED when the message exceeds a limit (`meta.limit` names it),
 * has an invalid header section, or a multipart without boundary or body parts.
 */
export function parseMimeMessage(raw: Uint8Array, limits: Partial<MimeLimits> = {}): MimePart {
  const effective: MimeLimits = { ...MIME_DEFAULT_LIMITS, ...limits };
  if (raw.byteLength > effective.maxMessageBytes) throw limitExceeded('maxMessageBytes', effective.maxMessageBytes);
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const text = buf.toString('latin1');
  if (text.trim() === '') throw malformed('empty message');
  try {
    return parseEntity(buf, text, 0, { limits: effective, parts: 0 }, DEFAULT_TEXT_PLAIN);
  } catch (err) {
    if (isHeraldError(err)) throw err;
    // A bug here must surface as a coded error, not crash the mailbox watcher.
    throw heraldError('GW_ERR_MIME_MALFORMED', 'unexpected parser failure', { cause: err });
  }
}

/**
 * Every part of the tree, depth-first in document order, starting with `root`. Parts of
 * encapsulated messages are included only when `intoMessages` is set: a returned message
 * inside a DSN must not be mistaken for part of the report.
 */
export function* walkParts(root: MimePart, intoMessages = false): Generator<MimePart> {
  yield root;
  for (const child of root.parts) yield* walkParts(child, intoMessages);
  if (intoMessages && root.message !== undefined) yield* walkParts(root.message, intoMessages);
}

/**
 * The headers of a message returned inside a report (RFC 6522 §3): the encapsulated
 * message of a message/rfc822 part, or the fields of a text/rfc822-headers part.
 * Never throws: the returned headers are only a fallback key, and a mangled copy must
 * not cost the report.
 */
export function returnedHeadersOf(part: MimePart): readonly MimeHeader[] {
  if (part.message !== undefined) return part.message.headers;
  const text = part.body.toString('latin1');
  const end = /\r?\n\r?\n/.exec(text);
  try {
    return parseHeaderSection(end === null ? text : text.slice(0, end.index));
  } catch {
    return [];
  }
}

/** True when the part's Content-Disposition is `attachment` (RFC 2183). */
export function isAttachment(part: MimePart): boolean {
  const disposition = headerValue(part.headers, 'content-disposition');
  return disposition !== undefined && /^\s*attachment\b/i.test(disposition);
}
