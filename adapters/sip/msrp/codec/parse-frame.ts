/**
 * Reads one MSRP frame from the front of a byte buffer (RFC 4975 §9). Pure: the transport
 * keeps the buffer and calls again with more bytes when told the frame is incomplete.
 *
 * MSRP has no Content-Length: a body runs until `CRLF "-------" transact-id flag CRLF`
 * (§5, §7.1). So the reader scans for that end-line, and the limits (limits.ts) bound how
 * far: a peer that never ends a chunk is refused once it passes them, not buffered.
 */
import { heraldError } from '../../../../src/errors.js';
import type { ContinuationFlag, MsrpFrame, MsrpHeader } from './frame.js';
import { DEFAULT_MAX_CHUNK_BYTES, MAX_MSRP_HEADER_BYTES, MAX_MSRP_HEADER_LINES } from './limits.js';

export interface ReadLimits {
  /** @defaultValue DEFAULT_MAX_CHUNK_BYTES */
  readonly maxChunkBytes?: number | undefined;
}

/** What is known of a SEND cut short: its head and the body bytes that came (RFC 4975 §7.1.1 interrupted chunk). */
export interface PartialFrame {
  readonly transactionId: string;
  readonly method: string;
  readonly headers: readonly MsrpHeader[];
  readonly bodySoFar: Buffer;
}

export type ReadResult =
  | { readonly kind: 'frame'; readonly frame: MsrpFrame; readonly consumed: number }
  | { readonly kind: 'incomplete'; readonly partial?: PartialFrame | undefined };

const CRLF = Buffer.from('\r\n', 'latin1');
/** transact-id = ident; ident = ALPHANUM 3*31ident-char (RFC 4975 §9). */
const TRANSACTION_ID = '[A-Za-z0-9][A-Za-z0-9.\\-+%=]{3,31}';
const REQUEST_START = new RegExp(`^MSRP (${TRANSACTION_ID}) ([A-Z]+)$`);
const RESPONSE_START = new RegExp(`^MSRP (${TRANSACTION_ID}) (\\d{3})(?: ([^\\r\\n]*))?$`);
/** hname ":" SP hval; hname = ALPHA *name-char (RFC 4975 §9); one SP, some clients send none. */
const HEADER_LINE = /^([A-Za-z][A-Za-z0-9-]*): ?(.*)$/;
const FLAGS = new Set(['$', '+', '#']);

function malformed(detail: string): never {
  throw heraldError('GW_ERR_MSRP_MALFORMED', detail);
}

/** Text of a header line: printable US-ASCII and UTF-8 (utf8text), no controls but HTAB. */
function lineText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (text.includes('\uFFFD') || /[\x00-\x08\x0a-\x1f\x7f]/.test(text)) malformed('control or invalid UTF-8 byte in a header line');
  return text;
}

/**
 * Reads the frame at the start of `buffer`.
 * @returns the frame and the bytes it took, or `incomplete` (with what is known of a SEND
 *   whose body has begun, so an interrupted chunk can be kept, RFC 4975 §7.1.1).
 * @throws GW_ERR_MSRP_MALFORMED for bytes that cannot start or continue a frame.
 * @throws GW_ERR_CONTENT_TOO_LARGE when the header section or a chunk passes its limit.
 */
export function readFrame(buffer: Buffer, limits: ReadLimits = {}): ReadResult {
  const maxChunk = limits.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;
  const firstEnd = buffer.indexOf(CRLF);
  if (firstEnd === -1) {
    if (buffer.length > MAX_MSRP_HEADER_BYTES) tooLarge('start line', MAX_MSRP_HEADER_BYTES);
    // Fail fast on a stream that is not MSRP at all (a fuzzer, an HTTP client).
    if (!'MSRP '.startsWith(buffer.subarray(0, 5).toString('latin1'))) malformed('not an MSRP start line');
    return { kind: 'incomplete' };
  }
  const startLine = lineText(buffer.subarray(0, firstEnd));
  const request = REQUEST_START.exec(startLine);
  const response = request === null ? RESPONSE_START.exec(startLine) : null;
  if (request === null && response === null) malformed('malformed start line');
  const transactionId = (request ?? response)?.[1] ?? '';
  const endLine = `-------${transactionId}`;

  const headers: MsrpHeader[] = [];
  let at = firstEnd + 2;
  for (;;) {
    const lineEnd = buffer.indexOf(CRLF, at);
    if (lineEnd === -1) {
      if (buffer.length > MAX_MSRP_HEADER_BYTES) tooLarge('header section', MAX_MSRP_HEADER_BYTES);
      return { kind: 'incomplete' };
    }
    if (lineEnd > MAX_MSRP_HEADER_BYTES) tooLarge('header section', MAX_MSRP_HEADER_BYTES);
    const raw = buffer.subarray(at, lineEnd);
    const line = raw.toString('latin1');
    at = lineEnd + 2;
    if (line.length === endLine.length + 1 && line.startsWith(endLine)) {
      // End-line straight after the headers: a frame without body.
      const flag = flagOf(line.slice(-1));
      const frame: MsrpFrame =
        request !== null
          ? { kind: 'request', transactionId, method: request[2] ?? '', headers, body: undefined, flag }
          : { kind: 'response', transactionId, status: Number(response?.[2]), comment: response?.[3], headers, flag };
      checkPaths(frame.headers);
      return { kind: 'frame', frame, consumed: at };
    }
    if (line === '') break;
    if (headers.length >= MAX_MSRP_HEADER_LINES) tooLarge('header lines', MAX_MSRP_HEADER_LINES);
    const header = HEADER_LINE.exec(lineText(raw));
    if (header === null) malformed('malformed header line');
    headers.push({ name: header[1] ?? '', value: (header[2] ?? '').trim() });
  }
  // A blank line: content-stuff follows, which only a request with Content-Type may carry.
  if (request === null) malformed('response with a body');
  if (!headers.some((h) => h.name.toLowerCase() === 'content-type')) malformed('body without Content-Type');
  checkPaths(headers);
  const method = request[2] ?? '';
  // The body's closing CRLF is part of the delimiter; an empty body puts it right here.
  const delimiter = Buffer.from(`\r\n${endLine}`, 'latin1');
  const bodyStart = at;
  const found = buffer.indexOf(delimiter, bodyStart);
  if (found === -1) {
    const soFar = buffer.length - bodyStart;
    if (soFar > maxChunk + delimiter.length + 3) tooLarge('chunk', maxChunk);
    // Hold back what could be the start of the end-line: it is not body until proven.
    const safe = Math.max(0, soFar - delimiter.length - 2);
    return { kind: 'incomplete', partial: { transactionId, method, headers, bodySoFar: buffer.subarray(bodyStart, bodyStart + safe) } };
  }
  if (found - bodyStart > maxChunk) tooLarge('chunk', maxChunk);
  const flagAt = found + delimiter.length;
  if (buffer.length < flagAt + 3) return { kind: 'incomplete' };
  const flag = flagOf(buffer.toString('latin1', flagAt, flagAt + 1));
  if (buffer[flagAt + 1] !== 0x0d || buffer[flagAt + 2] !== 0x0a) malformed('end-line not followed by CRLF');
  const body = Buffer.from(buffer.subarray(bodyStart, found));
  return { kind: 'frame', frame: { kind: 'request', transactionId, method, headers, body, flag }, consumed: flagAt + 3 };
}

function flagOf(char: string): ContinuationFlag {
  if (!FLAGS.has(char)) malformed('end-line flag is not $, + or #');
  return char as ContinuationFlag;
}

/** RFC 4975 §9: every request and response carries exactly one To-Path and one From-Path. */
function checkPaths(headers: readonly MsrpHeader[]): void {
  for (const name of ['to-path', 'from-path']) {
    const count = headers.filter((h) => h.name.toLowerCase() === name).length;
    if (count !== 1) malformed(count === 0 ? `missing ${name}` : `more than one ${name}`);
  }
}

function tooLarge(what: string, limit: number): never {
  throw heraldError('GW_ERR_CONTENT_TOO_LARGE', `MSRP ${what} over ${limit}`, { meta: { maxBytes: limit, protocol: 'msrp' } });
}
