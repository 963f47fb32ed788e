/** A SIP MESSAGE as an edge hands it to ingress, for tests that call ingress directly. */
import type { SipIncomingRequest } from '../../src/ports/sip-edge.port.js';

/** A plain-text MESSAGE from alice@example.com to +15551234567, with `overrides` applied. */
export function messageRequest(overrides: Partial<SipIncomingRequest> = {}): SipIncomingRequest {
  return {
    method: 'MESSAGE',
    requestUri: 'sip:+15551234567@gw.example.com',
    from: { uri: 'sip:alice@example.com', tag: 'a' },
    to: { uri: 'sip:+15551234567@gw.example.com' },
    callId: 'c1@host',
    cseq: 1,
    headers: {},
    body: Buffer.from('hi'),
    source: { address: '127.0.0.1', port: 5062, transport: 'udp' },
    ...overrides,
  };
}
