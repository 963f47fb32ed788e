/**
 * message/cpim (RFC 3862): the envelope SIP IM clients wrap messages and IMDNs in.
 *
 * Layout (RFC 3862 §2): message headers (block 1), a blank line, the MIME headers of the
 * payload (block 2), a blank line, the payload bytes.
 *
 * Tolerant in what it reads, because real clients differ from the RFC:
 * - LF-only line ends as well as CRLF; folded header lines; header names in any case.
 * - `imdn.` headers without an `NS:` line (liblinphone): the `imdn` prefix resolves to
 *   `urn:ietf:params:imdn` unless an `NS:` line binds it to something else.
 * - Block 2 `Content-Length` is ignored: it is often wrong or padded, and the payload is
 *   exactly the bytes after the blank line (nothing is stripped).
 * - A bare URI where a name-addr (`"Name" <uri>`) is expected.
 *
 * Strict in what it writes: CRLF line ends, `NS: imdn <urn:ietf:params:imdn>` whenever an
 * `imdn.` header is present and the prefix is not declared, quoted display names,
 * RFC 3862 §2.3 escapes in Subject and display names, a correct Content-Length.
 */
import { heraldError } from '../errors.js';
import { guardCodec } from './guard.js';
import { formatHeaderLine, readHeaderBlock, type MimeHeader } from './mime-headers.js';

/** Namespace of the IMDN headers (RFC 5438 §9.4). */
export const IMDN_HEADER_NS = 'urn:ietf:params:imdn';
/** Most header lines in one block: real messages carry under 15; bounds the work per message. */
export const CPIM_MAX_HEADERS = 100;
/** Most bytes in one header block: a generous multiple of any real block (a few hundred bytes). */
export const CPIM_MAX_HEADER_BYTES = 16 * 1024;

/** A `From`, `To` or `cc` value: optional display name and a URI (RFC 3862 §4.1). */
export interface CpimAddress {
  readonly uri: string;
  readonly displayName?: string | undefined;
}

/** A `Subject` header (RFC 3862 §4.5); one message may carry one per language. */
export interface CpimSubject {
  readonly text: string;
  readonly lang?: string | undefined;
}

/** An `NS:` declaration (RFC 3862 §3.4); prefix `''` declares the default namespace. */
export interface CpimNamespace {
  readonly prefix: string;
  readonly uri: string;
}

/** A header kept as written (prefixed, unknown, or a block-2 MIME header). */
export interface CpimHeader extends MimeHeader {
  /** Namespace URI the name's prefix resolves to, for prefixed block-1 headers. */
  readonly ns?: string | undefined;
}

/** A parsed (or to-be-written) message/cpim body. */
export interface CpimMessage {
  /** Optional when reading (the SIP From can stand in); required when writing. */
  readonly from?: CpimAddress | undefined;
  readonly to: readonly CpimAddress[];
  readonly cc: readonly CpimAddress[];
  /** RFC 3339 date-time as sent. */
  readonly dateTime?: string | undefined;
  readonly subjects: readonly CpimSubject[];
  /** `NS:` declarations as sent, in order. */
  readonly namespaces: readonly CpimNamespace[];
  /** Every other block-1 header in order: `imdn.*`, `Require`, unknown ones. */
  readonly headers: readonly CpimHeader[];
  /** Block-2 Content-Type as sent. */
  readonly contentType?: string | undefined;
  /** Other block-2 headers in order (Content-Disposition, …); Content-Length is dropped. */
  readonly contentHeaders: readonly CpimHeader[];
  /** The payload, exactly the bytes after block 2's blank line. */
  readonly body: Buffer;
}

function malformed(detail: string): never {
  throw heraldError('GW_ERR_CPIM_MALFORMED', detail);
}

/**
 * Parses a message/cpim body (RFC 3862 §2, §3, §4).
 *
 * @throws GW_ERR_CPIM_MALFORMED naming the fault: no blank line after block 1, a line that
 *   is not a header, a bad From/To/cc/NS value, a duplicate From/DateTime/Content-Type,
 *   invalid UTF-8 or control characters in headers, or too many/too large headers.
 */
export function parseCpim(bytes: Buffer): CpimMessage {
  return guardCodec('GW_ERR_CPIM_MALFORMED', 'CPIM', () => {
    const limits = { errorCode: 'GW_ERR_CPIM_MALFORMED', maxHeaders: CPIM_MAX_HEADERS, maxBytes: CPIM_MAX_HEADER_BYTES } as const;
    const block1 = readHeaderBlock(bytes, 0, { ...limits, what: 'CPIM message headers' });
    if (!block1.terminated) malformed('no blank line after the CPIM message headers');
    const block2 = readHeaderBlock(bytes, block1.end, { ...limits, what: 'CPIM content headers' });
    const body = Buffer.from(bytes.subarray(block2.end));
    return { ...readMessageHeaders(block1.headers), ...readContentHeaders(block2.headers), body };
  });
}

type MessageHeaderFields = Pick<CpimMessage, 'from' | 'to' | 'cc' | 'dateTime' | 'subjects' | 'namespaces' | 'headers'>;

function readMessageHeaders(raw: readonly MimeHeader[]): MessageHeaderFields {
  const namespaces: CpimNamespace[] = [];
  for (const h of raw) if (h.name.toLowerCase() === 'ns') namespaces.push(parseNs(h.value));

  let from: CpimAddress | undefined;
  let dateTime: string | undefined;
  const to: CpimAddress[] = [];
  const cc: CpimAddress[] = [];
  const subjects: CpimSubject[] = [];
  const headers: CpimHeader[] = [];
  for (const h of raw) {
    switch (h.name.toLowerCase()) {
      case 'ns':
        break;
      case 'from':
        if (from !== undefined) malformed('more than one From header');
        from = parseCpimAddress(h.value, 'From');
        break;
      case 'to':
        to.push(parseCpimAddress(h.value, 'To'));
        break;
      case 'cc':
        cc.push(parseCpimAddress(h.value, 'cc'));
        break;
      case 'datetime':
        if (dateTime !== undefined) malformed('more than one DateTime header');
        if (h.value === '') malformed('empty DateTime header');
        dateTime = h.value;
        break;
      case 'subject':
        subjects.push(parseSubject(h.value));
        break;
      default: {
        const ns = resolvePrefix(h.name, namespaces);
        headers.push(ns === undefined ? { name: h.name, value: h.value } : { name: h.name, value: h.value, ns });
      }
    }
  }
  return { from, to, cc, dateTime, subjects, namespaces, headers };
}

function readContentHeaders(raw: readonly MimeHeader[]): Pick<CpimMessage, 'contentType' | 'contentHeaders'> {
  let contentType: string | undefined;
  const contentHeaders: CpimHeader[] = [];
  for (const h of raw) {
    const name = h.name.toLowerCase();
    if (name === 'content-length') continue; // untrustworthy in the wild: the bytes decide
    if (name === 'content-type') {
      if (contentType !== undefined) malformed('more than one Content-Type header');
      contentType = h.value;
    } else {
      contentHeaders.push({ name: h.name, value: h.value });
    }
  }
  return { contentType, contentHeaders };
}

function resolvePrefix(name: string, namespaces: readonly CpimNamespace[]): string | undefined {
  const dot = name.indexOf('.');
  if (dot <= 0) return undefined;
  const prefix = name.slice(0, dot).toLowerCase();
  const declared = namespaces.find((n) => n.prefix.toLowerCase() === prefix);
  if (declared !== undefined) return declared.uri;
  return prefix === 'imdn' ? IMDN_HEADER_NS : undefined;
}

const NS_VALUE = /^([A-Za-z0-9!#$%&'*+\-^_`|~]*)\s*<([^<>\s]+)>$/;

function parseNs(value: string): CpimNamespace {
  const m = NS_VALUE.exec(value);
  if (m === null || m[2] === undefined) malformed('NS header is not "[prefix] <uri>"');
  return { prefix: m[1] ?? '', uri: m[2] };
}

/**
 * Parses a name-addr (`"Alice" <sip:alice@example.com>`, `Alice <sip:…>`) or a bare URI.
 *
 * @param header - names the header in error details.
 * @throws GW_ERR_CPIM_MALFORMED when no URI can be read, `<` is unbalanced, or text
 *   follows the `>` (which would silently drop a second address).
 */
export function parseCpimAddress(value: string, header: string): CpimAddress {
  const trimmed = value.trim();
  const lt = firstUnquoted(trimmed, '<');
  if (lt === -1) {
    if (trimmed === '' || /[\s<>"]/.test(trimmed) || !trimmed.includes(':')) malformed(`${header} header has no URI`);
    return { uri: trimmed };
  }
  const gt = trimmed.indexOf('>', lt);
  if (gt === -1) malformed(`${header} header has an unterminated <URI>`);
  if (trimmed.slice(gt + 1).trim() !== '') malformed(`${header} header has text after the <URI>`);
  const uri = trimmed.slice(lt + 1, gt).trim();
  if (uri === '' || /[\s<"]/.test(uri)) malformed(`${header} header has an empty or invalid URI`);
  const display = trimmed.slice(0, lt).trim();
  if (display === '') return { uri };
  if (display.startsWith('"')) {
    if (closingQuote(display) !== display.length - 1) {
      malformed(`${header} header has a badly quoted display name`);
    }
    return { uri, displayName: unescapeCpim(display.slice(1, -1)) };
  }
  return { uri, displayName: display };
}

/** Index of the quote closing the quoted string that starts at 0, or -1. */
function closingQuote(value: string): number {
  for (let i = 1; i < value.length; i += 1) {
    if (value[i] === '\\') i += 1;
    else if (value[i] === '"') return i;
  }
  return -1;
}

function firstUnquoted(value: string, ch: string): number {
  let inQuote = false;
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i];
    if (inQuote && c === '\\') i += 1;
    else if (c === '"') inQuote = !inQuote;
    else if (!inQuote && c === ch) return i;
  }
  return -1;
}

function parseSubject(value: string): CpimSubject {
  if (!value.startsWith(';')) return { text: unescapeCpim(value) };
  // RFC 3862 §3.3: `Subject:;lang=fr Text` — parameters end at the first space.
  const space = value.search(/[ \t]/);
  const params = space === -1 ? value : value.slice(0, space);
  const text = space === -1 ? '' : value.slice(space + 1).trim();
  let lang: string | undefined;
  for (const param of params.split(';')) {
    const eq = param.indexOf('=');
    if (eq !== -1 && param.slice(0, eq).trim().toLowerCase() === 'lang') lang = param.slice(eq + 1).trim() || undefined;
  }
  return lang === undefined ? { text: unescapeCpim(text) } : { text: unescapeCpim(text), lang };
}

const UNESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', "'": "'", b: '\b', t: '\t', n: '\n', r: '\r' };

/** Undoes the RFC 3862 §2.3 escapes; an unknown escape is kept as written (tolerance). */
function unescapeCpim(value: string): string {
  return value.replace(/\\(u[0-9A-Fa-f]{4}|.)/g, (whole, esc: string) => {
    if (esc.length === 5) return String.fromCharCode(parseInt(esc.slice(1), 16));
    return Object.prototype.hasOwnProperty.call(UNESCAPES, esc) ? (UNESCAPES[esc] ?? whole) : whole;
  });
}

/** Applies the RFC 3862 §2.3 escapes a header value needs: backslash, controls, and `"`
 * when the value sits in a quoted string. */
function escapeCpim(value: string, quoted: boolean): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (quoted && ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/**
 * Writes a CPIM address as a name-addr: `"Display" <uri>` or `<uri>`.
 *
 * @throws GW_ERR_CPIM_MALFORMED when the URI is empty or holds space, `<`, `>` or `"`.
 */
export function formatCpimAddress(addr: CpimAddress, header = 'address'): string {
  if (addr.uri === '' || /[\s<>"]/.test(addr.uri)) malformed(`cannot write ${header}: invalid URI`);
  if (addr.displayName === undefined) return `<${addr.uri}>`;
  return `"${escapeCpim(addr.displayName, true)}" <${addr.uri}>`;
}

/**
 * Writes a message/cpim body (RFC 3862 §2, §3.6): CRLF line ends, block 1 in the order
 * From, To, cc, DateTime, Subject, NS, other headers; block 2 Content-Type, the other
 * content headers, then a Content-Length computed from the body.
 *
 * @throws GW_ERR_CPIM_MALFORMED when From is missing, a URI is empty or holds `<>`, space or
 *   `"`, a header name is not a token, or a value holds a control character (which would
 *   let a value inject header lines).
 */
export function serializeCpim(msg: CpimMessage): Buffer {
  return guardCodec('GW_ERR_CPIM_MALFORMED', 'CPIM', () => {
    const code = 'GW_ERR_CPIM_MALFORMED' as const;
    if (msg.from === undefined) malformed('cannot write CPIM without From');
    let out = `From: ${formatCpimAddress(msg.from, 'From')}\r\n`;
    for (const a of msg.to) out += `To: ${formatCpimAddress(a, 'To')}\r\n`;
    for (const a of msg.cc) out += `cc: ${formatCpimAddress(a, 'cc')}\r\n`;
    if (msg.dateTime !== undefined) out += formatHeaderLine('DateTime', msg.dateTime, code);
    for (const s of msg.subjects) {
      if (s.lang !== undefined && !/^[A-Za-z0-9-]+$/.test(s.lang)) malformed('cannot write Subject: invalid lang');
      // A text starting with ';' would read as parameters: write that ';' as an escape.
      const text = escapeCpim(s.text, false).replace(/^;/, '\\u003b');
      out += `Subject:${s.lang === undefined ? '' : `;lang=${s.lang}`} ${text}\r\n`;
    }
    const declared = (p: string): boolean => msg.namespaces.some((n) => n.prefix.toLowerCase() === p);
    if (msg.headers.some((h) => h.name.toLowerCase().startsWith('imdn.')) && !declared('imdn')) {
      out += `NS: imdn <${IMDN_HEADER_NS}>\r\n`;
    }
    for (const n of msg.namespaces) {
      if (!/^[A-Za-z0-9!#$%&'*+\-^_`|~]*$/.test(n.prefix) || n.uri === '' || /[\s<>]/.test(n.uri)) {
        malformed('cannot write NS: invalid prefix or URI');
      }
      out += `NS: ${n.prefix === '' ? '' : `${n.prefix} `}<${n.uri}>\r\n`;
    }
    for (const h of msg.headers) out += formatHeaderLine(h.name, h.value, code);
    out += '\r\n';
    if (msg.contentType !== undefined) out += formatHeaderLine('Content-Type', msg.contentType, code);
    for (const h of msg.contentHeaders) {
      if (h.name.toLowerCase() === 'content-length') continue;
      out += formatHeaderLine(h.name, h.value, code);
    }
    out += `Content-Length: ${msg.body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(out, 'utf8'), msg.body]);
  });
}

/** Values of block-1 headers in namespace `ns` with local name `localName` (any case). */
export function cpimHeaderValues(msg: Pick<CpimMessage, 'headers'>, ns: string, localName: string): string[] {
  const wanted = localName.toLowerCase();
  return msg.headers
    .filter((h) => h.ns === ns && h.name.slice(h.name.indexOf('.') + 1).toLowerCase() === wanted)
    .map((h) => h.value);
}
