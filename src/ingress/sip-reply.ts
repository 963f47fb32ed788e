/**
 * Turns a catalogued error into the SIP final response that ends a request. The reason
 * phrase names the fault (RFC 3261 lets it be any text); a Warning header (code 399)
 * carries the stable error code and the detail so a machine can read it too.
 */
import type { HeraldError } from '../errors.js';
import type { SipReply } from '../ports/sip-edge.port.js';

/** Reason phrases and header values are one line of printable text, bounded. */
const MAX_REASON = 120;

export function oneLine(text: string, max = MAX_REASON): string {
  const clean = text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

const STANDARD_REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  420: 'Bad Extension',
  480: 'Temporarily Unavailable',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  503: 'Service Unavailable',
};

export function reply(status: number, reason?: string, headers?: Record<string, string>): SipReply {
  return { status, reason: reason ?? STANDARD_REASONS[status] ?? 'Unknown', headers };
}

export function errorReply(err: HeraldError, host: string, headers: Record<string, string> = {}): SipReply {
  const status = err.sipStatus;
  const detail = oneLine(err.detail);
  const reason = status >= 500 ? (STANDARD_REASONS[status] ?? 'Server Error') : oneLine(`${STANDARD_REASONS[status] ?? 'Error'}: ${detail}`);
  // A server fault's detail can carry a driver's text (SQL, hosts, files): the peer gets
  // the code alone, the log keeps the rest.
  const text = status >= 500 ? err.code : `${err.code}: ${detail}`;
  const warning = `399 ${host} "${oneLine(text, 200).replace(/["\\]/g, "'")}"`;
  // Warning takes a comma-separated list (RFC 3261 §20.43): keep both ours and the caller's.
  const extraWarning = headers.Warning;
  return { status, reason, headers: { ...headers, Warning: extraWarning ? `${warning}, ${extraWarning}` : warning } };
}
