/**
 * Herald's SIP message parser (RFC 3261 §7): the start line and the header lines, nothing
 * more. Values stay the wire text the peer sent (latin1, one char per byte); the edge and
 * the core read the few they need. It runs in linear time: one indexOf for the end of the
 * header section, one split into lines, and per line an indexOf for the colon; regular
 * expressions only ever see a single line already bounded by MAX_LINE_BYTES, and none of
 * them can backtrack. No object is keyed by a name from the wire (a header named
 * `__proto__` is just a string in an array).
 */
import { fullHeaderName } from './constants.js';
import { MAX_HEADER_LINES, MAX_HEADER_SECTION_BYTES, MAX_LINE_BYTES } from './limits.js';

export interface WireHeader {
  /** Lower case, compact forms expanded (`i` → `call-id`). */
  readonly name: string;
  /** As sent (latin1 wire text), folded lines joined by one space, trimmed. */
  readonly value: string;
}

interface ParsedHead {
  readonly headers: readonly WireHeader[];
  /** The header lines as sent, without the start line (latin1 wire text). */
  readonly headerBlock: string;
}

export interface ParsedRequest extends ParsedHead {
  readonly kind: 'request';
  readonly method: string;
  readonly requestUri: string;
}

export interface ParsedResponse extends ParsedHead {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
}

export type ParsedMessage = ParsedRequest | ParsedResponse;

/** Why a header section cannot be used; `headers` holds what could be read, to answer with. */
export interface ParseFailure {
  readonly kind: 'invalid';
  /** 400, or 505 for a SIP version other than 2.0, or 513 for a header section over its limits. */
  readonly status: 400 | 505 | 513;
  readonly detail: string;
  readonly headers: readonly WireHeader[];
  readonly isRequest: boolean;
}

export type HeadResult = ParsedMessage | ParseFailure;

const CRLF_CRLF = Buffer.from('\r\n\r\n', 'latin1');

/** RFC 3261 §25.1 token characters: a method and a header name are tokens. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const VERSION = /^SIP\/(\d+)\.(\d+)$/i;
/** Control characters other than HT never belong in a header section (RFC 3261 §25.1). */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Index of the blank line ending the header section within `bytes`, or -1. Searches at most
 * `limit` bytes (plus the 4 of the blank line) so a datagram without one costs no more.
 */
export function headerSectionEnd(bytes: Buffer, limit = MAX_HEADER_SECTION_BYTES): number {
  const window = bytes.length > limit + 4 ? bytes.subarray(0, limit + 4) : bytes;
  return window.indexOf(CRLF_CRLF);
}

function failure(status: ParseFailure['status'], detail: string, headers: readonly WireHeader[], isRequest: boolean): ParseFailure {
  return { kind: 'invalid', status, detail, headers, isRequest };
}

function parseHeaderLines(lines: readonly string[]): { headers: WireHeader[]; error?: string } {
  const headers: WireHeader[] = [];
  let error: string | undefined;
  let name: string | undefined;
  let value = '';
  const flush = (): void => {
    if (name !== undefined) headers.push({ name, value: value.trim() });
    name = undefined;
  };
  for (const line of lines) {
    if (line.length > MAX_LINE_BYTES) {
      error ??= `header line longer than ${MAX_LINE_BYTES} bytes`;
      continue;
    }
    if (CONTROL.test(line)) {
      error ??= 'control character in the header section';
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // RFC 3261 §7.3.1: a continuation line; folding is replaced by one space.
      if (name === undefined) error ??= 'continuation line without a header';
      else value += ` ${line.trim()}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    const rawName = colon <= 0 ? '' : line.slice(0, colon).trimEnd();
    if (!TOKEN.test(rawName)) {
      error ??= `malformed header line "${line.slice(0, 40)}"`;
      continue;
    }
    const lower = rawName.toLowerCase();
    name = fullHeaderName(lower);
    value = line.slice(colon + 1);
  }
  flush();
  return error === undefined ? { headers } : { headers, error };
}

function parseStartLine(line: string, headers: readonly WireHeader[], headerBlock: string): HeadResult {
  const isResponse = /^SIP\//i.test(line);
  // RFC 3261 §7.1/§7.2: exactly three elements separated by single spaces (the reason
  // phrase of a response may contain spaces); RFC 4475 §3.1.2.6–3.1.2.8 tortures this.
  if (isResponse) {
    const first = line.indexOf(' ');
    const second = first === -1 ? -1 : line.indexOf(' ', first + 1);
    const version = first === -1 ? line : line.slice(0, first);
    const code = second === -1 ? line.slice(first + 1) : line.slice(first + 1, second);
    if (first === -1 || !/^[1-6]\d\d$/.test(code)) return failure(400, 'malformed status line', headers, false);
    if (!isVersion20(version)) return failure(505, `version ${version.slice(0, 20)} not supported`, headers, false);
    return { kind: 'response', status: Number(code), reason: second === -1 ? '' : line.slice(second + 1), headers, headerBlock };
  }
  const parts = line.split(' ');
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    return failure(400, 'malformed request line (Method SP Request-URI SP SIP-Version)', headers, true);
  }
  const [method = '', requestUri = '', version = ''] = parts;
  if (!TOKEN.test(method)) return failure(400, 'malformed method name', headers, true);
  if (!VERSION.test(version)) return failure(400, `malformed SIP version "${version.slice(0, 20)}"`, headers, true);
  if (!isVersion20(version)) return failure(505, `version ${version.slice(0, 20)} not supported`, headers, true);
  return { kind: 'request', method, requestUri, headers, headerBlock };
}

function isVersion20(version: string): boolean {
  const match = VERSION.exec(version);
  return match !== null && Number(match[1]) === 2 && Number(match[2]) === 0;
}

/**
 * Parses the header section `head` (the bytes before the blank line, without it).
 * Leading CRLFs (RFC 3261 §7.5 keep-alives on a stream) must already be skipped.
 * Never throws; a failure says which answer fits and keeps the headers it could read.
 */
export function parseHead(head: Buffer): HeadResult {
  if (head.length > MAX_HEADER_SECTION_BYTES) return failure(513, `header section over ${MAX_HEADER_SECTION_BYTES} bytes`, [], false);
  const text = head.toString('latin1');
  const lines = text.split('\r\n');
  if (lines.length - 1 > MAX_HEADER_LINES) return failure(513, `more than ${MAX_HEADER_LINES} header lines`, [], false);
  const startLine = lines[0] ?? '';
  const firstBreak = text.indexOf('\r\n');
  const headerBlock = firstBreak === -1 ? '' : text.slice(firstBreak + 2);
  const { headers, error } = parseHeaderLines(lines.slice(1));
  const isRequest = !/^SIP\//i.test(startLine);
  if (startLine.length > MAX_LINE_BYTES) return failure(400, `start line longer than ${MAX_LINE_BYTES} bytes`, headers, isRequest);
  if (CONTROL.test(startLine)) return failure(400, 'control character in the start line', headers, isRequest);
  const start = parseStartLine(startLine, headers, headerBlock);
  if (start.kind === 'invalid' || error === undefined) return start;
  return failure(400, error, headers, start.kind === 'request');
}

/** All values of a header, in order of appearance. */
export function headerValues(headers: readonly WireHeader[], name: string): string[] {
  const values: string[] = [];
  for (const header of headers) if (header.name === name) values.push(header.value);
  return values;
}

/** The first value of a header, if present. */
export function headerValue(headers: readonly WireHeader[], name: string): string | undefined {
  for (const header of headers) if (header.name === name) return header.value;
  return undefined;
}
