import type { SipReply } from '../../../src/ports/sip-edge.port.js';
import { MANAGED_HEADERS } from './constants.js';
import { bytesToWire, headerToWire } from './wire-text.js';

export interface WireReply {
  readonly status: number;
  readonly reason: string;
  /** Header name (as the core spelled it) → wire-text value, managed headers removed. */
  readonly headers: Readonly<Record<string, string>>;
  /** Wire text of the body; '' when there is none. */
  readonly body: string;
}

/**
 * Turns the core's reply into what both edges put on the wire: sanitised headers,
 * Content-Type when there is a body, the body as wire text. Headers the edge owns (Via,
 * To, CSeq, Content-Length…) cannot be overridden by the core.
 */
export function toWireReply(reply: SipReply): WireReply {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    if (MANAGED_HEADERS.has(name.toLowerCase()) || !/^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) continue;
    headers[name] = headerToWire(value);
  }
  const body = reply.body === undefined ? '' : bytesToWire(reply.body);
  if (body !== '') headers['Content-Type'] = headerToWire(reply.contentType ?? 'text/plain;charset=UTF-8');
  return { status: reply.status, reason: headerToWire(reply.reason), headers, body };
}
