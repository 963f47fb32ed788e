import sip from 'sip';
import type { SipAor, SipMessage } from 'sip';
import type { SipReply } from '../../../src/ports/sip-edge.port.js';
import { toWireReply } from '../shared/reply-headers.js';

/** The library writes `To:  <uri>` (two spaces) for a nameless address; write it tidily. */
function formatAor(aor: SipAor, tag?: string): string {
  const params = { ...aor.params, ...(tag !== undefined && aor.params.tag == null ? { tag } : {}) };
  const paramText = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`))
    .join('');
  const name = aor.name !== undefined && aor.name !== '' ? `${aor.name} ` : '';
  return `${name}<${sip.stringifyUri(aor.uri)}>${paramText}`;
}

/**
 * Builds the `sip` package's response to `request`. Every final response carries the
 * same To-tag (`tag`), so a retransmitted final answer is identical (RFC 3261 §8.2.6.2).
 */
export function toStackResponse(request: SipMessage, reply: SipReply, tag: string): SipMessage {
  const wire = toWireReply(reply);
  const response = sip.makeResponse(request, wire.status, wire.reason, {
    headers: { ...wire.headers },
    content: wire.body,
  });
  const { to, from } = request.headers;
  if (typeof to === 'object') response.headers.to = formatAor(to, tag);
  if (typeof from === 'object') response.headers.from = formatAor(from);
  return response;
}

export function tryingResponse(request: SipMessage): SipMessage {
  const response = sip.makeResponse(request, 100, 'Trying');
  const { to, from } = request.headers;
  if (typeof to === 'object') response.headers.to = formatAor(to);
  if (typeof from === 'object') response.headers.from = formatAor(from);
  return response;
}
