/**
 * Header blocks as CPIM (RFC 3862 §3) and MIME parts (RFC 2045, RFC 5322 §2.2) write them:
 * `Name: value` lines up to a blank line. Shared by the CPIM and multipart codecs so both
 * accept the same real-world variations: LF-only line ends, folded lines, any name case.
 */
import { heraldError, type ErrorCode } from '../errors.js';

/** One header line as received, value trimmed (folded lines joined). */
export interface MimeHeader {
  readonly name: string;
  readonly value: string;
}

/** How much header a block may hold, and which code a fault in it is reported with. */
export interface HeaderBlockOptions {
  readonly errorCode: ErrorCode;
  /** Names the block in error details (e.g. `CPIM message headers`). */
  readonly what: string;
  readonly maxHeaders: number;
  readonly maxBytes: number;
}

/** A header block read from a buffer. */
export interface HeaderBlock {
  readonly headers: MimeHeader[];
  /** Offset just past the blank line (or the buffer's end when `terminated` is false). */
  readonly end: number;
  /** False when the buffer ended before a blank line did. */
  readonly terminated: boolean;
}

const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Header values never carry control characters other than HT (RFC 3862 HEADERCHAR, RFC 5322
// VCHAR/WSP); letting NUL, lone CR or ESC through would reach logs and other protocols.
const CTL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads `Name: value` lines from `buf` at `start` up to and including the next blank line.
 *
 * @throws `options.errorCode` for a line that is not a header, a continuation line before
 *   any header, invalid UTF-8, control characters, or a block over its limits.
 */
export function readHeaderBlock(buf: Buffer, start: number, options: HeaderBlockOptions): HeaderBlock {
  const headers: { name: string; value: string }[] = [];
  let pos = start;
  let lineNo = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(0x0a, pos);
    const lineEnd = nl === -1 ? buf.length : nl;
    const next = nl === -1 ? buf.length : nl + 1;
    const contentEnd = lineEnd > pos && buf[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
    lineNo += 1;
    if (next - start > options.maxBytes) {
      throw heraldError(options.errorCode, `${options.what} exceed ${options.maxBytes} bytes`, {
        meta: { maxBytes: options.maxBytes },
      });
    }
    if (contentEnd === pos) return { headers, end: next, terminated: true };
    let line: string;
    try {
      line = utf8.decode(buf.subarray(pos, contentEnd));
    } catch {
      throw heraldError(options.errorCode, `${options.what}: line ${lineNo} is not valid UTF-8`);
    }
    if (CTL.test(line)) {
      throw heraldError(options.errorCode, `${options.what}: line ${lineNo} holds a control character`);
    }
    const first = line[0];
    if (first === ' ' || first === '\t') {
      // Folded line (RFC 5322 §2.2.3): unfold by dropping only the line break.
      const last = headers[headers.length - 1];
      if (last === undefined) {
        throw heraldError(options.errorCode, `${options.what}: line ${lineNo} continues no header`);
      }
      last.value = `${last.value} ${line.trim()}`.trim();
    } else {
      const colon = line.indexOf(':');
      const name = colon === -1 ? '' : line.slice(0, colon).trimEnd();
      if (!NAME.test(name)) {
        throw heraldError(options.errorCode, `${options.what}: line ${lineNo} is not a header`);
      }
      if (headers.length >= options.maxHeaders) {
        throw heraldError(options.errorCode, `${options.what}: more than ${options.maxHeaders} headers`, {
          meta: { maxHeaders: options.maxHeaders },
        });
      }
      headers.push({ name, value: line.slice(colon + 1).trim() });
    }
    pos = next;
  }
  return { headers, end: buf.length, terminated: false };
}

/** Values of every header named `name` (case-insensitive), in order. */
export function headerValues(headers: readonly MimeHeader[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === wanted).map((h) => h.value);
}

/** The first header named `name` (case-insensitive), if any. */
export function headerValue(headers: readonly MimeHeader[], name: string): string | undefined {
  return headerValues(headers, name)[0];
}

/**
 * Formats one header line with its CRLF, refusing anything that could split the line.
 *
 * @throws `errorCode` when the name is not a token or the value holds a control character.
 */
export function formatHeaderLine(name: string, value: string, errorCode: ErrorCode): string {
  if (!NAME.test(name)) throw heraldError(errorCode, `cannot write header name ${JSON.stringify(name.slice(0, 40))}`);
  if (CTL.test(value)) throw heraldError(errorCode, `header ${name} holds a control character`);
  return `${name}: ${value}\r\n`;
}
