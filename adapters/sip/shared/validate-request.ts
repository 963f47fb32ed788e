/**
 * Strict RFC 3261 checks on a request before the core reads it. Both edges call this (via
 * dispatchRequest) on the typed request, so a MESSAGE refused on one edge is refused on the
 * other. Herald stores what it reads, so a request whose identity headers are ambiguous
 * (two From, two Call-IDs, a CSeq out of range) is refused rather than guessed at.
 * Every check reads one bounded header value; nothing here can backtrack.
 */
import type { SipIncomingRequest } from '../../../src/ports/sip-edge.port.js';
import { MAX_CSEQ, MAX_MAX_FORWARDS } from './limits.js';

/** A refusal: the status (400) and what is wrong, for the reason phrase and the Warning. */
export interface RequestProblem {
  readonly status: 400;
  readonly detail: string;
}

/** Headers RFC 3261 §8.1.1 requires in every request (Max-Forwards is tolerated missing). */
const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/** Headers that may appear once (RFC 3261 §7.3.1: only list headers may repeat). */
const SINGLE = ['from', 'to', 'call-id', 'cseq', 'content-length', 'max-forwards', 'content-type'] as const;

/** Name-addr headers whose quoted strings and angle brackets must balance (§25.1). */
const NAME_ADDR = ['from', 'to', 'contact'] as const;

/** RFC 3261 §25.1 `word`, the characters of a Call-ID (no space, no comma). */
const CALL_ID = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+(?:@[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}]+)?$/;
const CSEQ = /^(\d{1,10})[ \t]+([A-Za-z0-9\-.!%*_+`'~]+)$/;
const DIGITS = /^\d{1,10}$/;
/** RFC 3986 scheme followed by something without whitespace or angle brackets. */
const REQUEST_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>]+$/;

/**
 * Whether quoted strings close and angle brackets pair up, scanning once (§25.1
 * quoted-string with quoted-pair escapes).
 */
export function balanced(value: string): boolean {
  let inQuote = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
    } else if (c === '"') inQuote = true;
    else if (c === '<') angle++;
    else if (c === '>') {
      angle--;
      if (angle < 0) return false;
    }
  }
  return !inQuote && angle === 0;
}

function problem(detail: string): RequestProblem {
  return { status: 400, detail };
}

/**
 * Returns what makes `request` invalid, or undefined when it may go to the core.
 * Content-Length may exceed the body only when the edge has not cut it (RFC 3261 §18.3:
 * a datagram shorter than its Content-Length is an error).
 */
export function validateRequest(request: SipIncomingRequest): RequestProblem | undefined {
  const { headers } = request;
  if (request.requestUri.startsWith('<')) return problem('Request-URI in angle brackets');
  if (!REQUEST_URI.test(request.requestUri)) return problem('malformed Request-URI');
  for (const name of REQUIRED) {
    if ((headers[name]?.length ?? 0) === 0) return problem(`missing ${name} header`);
  }
  for (const name of SINGLE) {
    if ((headers[name]?.length ?? 0) > 1) return problem(`more than one ${name} header`);
  }
  for (const name of NAME_ADDR) {
    for (const value of headers[name] ?? []) {
      if (!balanced(value)) return problem(`unterminated quote or angle bracket in ${name}`);
    }
  }
  const callId = headers['call-id']?.[0] ?? '';
  if (!CALL_ID.test(callId)) return problem('malformed Call-ID');
  const cseq = CSEQ.exec(headers.cseq?.[0] ?? '');
  if (cseq === null) return problem('malformed CSeq');
  if (Number(cseq[1]) > MAX_CSEQ) return problem(`CSeq number above 2^31-1`);
  // Method names are case-sensitive and compared as sent: `MESS%41GE` is not MESSAGE.
  if (cseq[2] !== request.method) return problem('CSeq method differs from the request method');
  const maxForwards = headers['max-forwards']?.[0];
  if (maxForwards !== undefined && (!DIGITS.test(maxForwards) || Number(maxForwards) > MAX_MAX_FORWARDS)) {
    return problem('malformed Max-Forwards');
  }
  const contentLength = headers['content-length']?.[0];
  if (contentLength !== undefined) {
    if (!DIGITS.test(contentLength)) return problem('malformed Content-Length');
    if (Number(contentLength) > request.body.length) {
      return problem(`Content-Length ${contentLength} larger than the body (${request.body.length} bytes)`);
    }
  }
  return undefined;
}
