import type { SipReply } from '../../../src/ports/sip-edge.port.js';
import { parseNameAddr } from '../shared/name-addr.js';
import { toWireReply } from '../shared/reply-headers.js';
import { headerValues, type WireHeader } from '../shared/wire-parser.js';

/** How the copied headers are spelled on the wire. */
const COPIED: readonly (readonly [string, string])[] = [
  ['via', 'Via'],
  ['from', 'From'],
  ['to', 'To'],
  ['call-id', 'Call-ID'],
  ['cseq', 'CSeq'],
];

/**
 * Serialises the response to a request with `headers` (RFC 3261 §8.2.6.2): every Via,
 * From, Call-ID and CSeq copied as received, To copied with `toTag` added when the request
 * had none and the response is final. Only the headers the request actually had are copied,
 * so a refusal of a request missing some still goes out.
 */
export function buildResponse(headers: readonly WireHeader[], reply: SipReply, toTag: string | undefined): Buffer {
  const wire = toWireReply(reply);
  const lines = [`SIP/2.0 ${wire.status} ${wire.reason}`];
  for (const [name, spelled] of COPIED) {
    for (const value of headerValues(headers, name)) {
      const tagged = name === 'to' && toTag !== undefined && wire.status > 100 && parseNameAddr(value).tag === undefined;
      lines.push(`${spelled}: ${tagged ? `${value};tag=${toTag}` : value}`);
    }
  }
  for (const [name, value] of Object.entries(wire.headers)) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${Buffer.byteLength(wire.body, 'latin1')}`, '', '');
  return Buffer.from(lines.join('\r\n') + wire.body, 'latin1');
}
