import { fullHeaderName } from './constants.js';
import { textFromWire } from './wire-text.js';

export type HeaderMap = Record<string, string[]>;

/**
 * Parses the header lines of a SIP message (wire text, without the start line) into
 * lower-case names, compact forms expanded, one entry per header line as received.
 * Folded lines (RFC 3261 §7.3.1) are unfolded; lines without a colon are skipped.
 */
export function parseHeaderBlock(block: string): HeaderMap {
  // No prototype: a header named `__proto__` or `constructor` is just another name.
  const headers = Object.create(null) as HeaderMap;
  for (const line of block.split(/\r?\n(?![ \t])/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = fullHeaderName(raw);
    const value = textFromWire(line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
    (headers[name] ??= []).push(value);
  }
  return headers;
}

/** Splits whole message text at the blank line: [start line, header block, body text]. */
export function splitMessageText(text: string): { startLine: string; headerBlock: string; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end + 4);
  const firstBreak = head.indexOf('\r\n');
  return {
    startLine: firstBreak === -1 ? head : head.slice(0, firstBreak),
    headerBlock: firstBreak === -1 ? '' : head.slice(firstBreak + 2),
    body,
  };
}

/** The first value of a header, if present. */
export function firstHeader(headers: Readonly<Record<string, readonly string[]>>, name: string): string | undefined {
  return headers[name]?.[0];
}
