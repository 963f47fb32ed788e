import sip from 'sip';
import type { SipMessage, SipRemote } from 'sip';
import type { SipIncomingRequest } from '../../../src/ports/sip-edge.port.js';
import { splitMessageText } from '../shared/header-block.js';
import { toIncomingRequest, transportOf } from '../shared/incoming-request.js';
import { bytesFromWire } from '../shared/wire-text.js';

/**
 * Header lines of a message the `sip` package parsed. The library keeps no raw text, so
 * the lines are its own re-serialisation: values it parses (Via, From, To, Contact, Route,
 * Authorization…) come back normalised, and repeated generic headers come back as one
 * comma-joined line (RFC 3261 §7.3.1 makes the two forms equivalent).
 */
export function headerBlockOf(message: SipMessage): string {
  return splitMessageText(sip.stringify({ ...message, headers: { ...message.headers } })).headerBlock;
}

/** The library's parsed request → the core's typed request, body bytes exactly as sent. */
export function fromStackRequest(message: SipMessage, remote: SipRemote): SipIncomingRequest {
  return toIncomingRequest({
    method: message.method ?? '',
    requestUri: typeof message.uri === 'string' ? message.uri : sip.stringifyUri(message.uri ?? ''),
    headerBlock: headerBlockOf(message),
    // The transports decode datagrams and streams as latin1, so content is one char per byte.
    body: bytesFromWire(message.content ?? ''),
    source: { address: remote.address, port: remote.port, transport: transportOf(remote.protocol) },
  });
}
