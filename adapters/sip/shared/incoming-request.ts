import type { SipIncomingRequest, SipTransport } from '../../../src/ports/sip-edge.port.js';
import { parseHeaderBlock } from './header-block.js';
import { parseNameAddr } from './name-addr.js';
import { textFromWire } from './wire-text.js';

export interface RawIncomingRequest {
  readonly method: string;
  readonly requestUri: string;
  /** Header lines as wire text (latin1), without the start line. */
  readonly headerBlock: string;
  readonly body: Buffer;
  readonly source: { readonly address: string; readonly port: number; readonly transport: SipTransport };
}

/** Builds the core's typed request; both edges go through here so they agree exactly. */
export function toIncomingRequest(raw: RawIncomingRequest): SipIncomingRequest {
  const headers = parseHeaderBlock(raw.headerBlock);
  const cseq = Number.parseInt(headers.cseq?.[0] ?? '', 10);
  return {
    method: raw.method.toUpperCase(),
    requestUri: textFromWire(raw.requestUri),
    from: parseNameAddr(headers.from?.[0] ?? ''),
    to: parseNameAddr(headers.to?.[0] ?? ''),
    callId: headers['call-id']?.[0] ?? '',
    cseq: Number.isFinite(cseq) ? cseq : 0,
    headers,
    body: raw.body,
    source: raw.source,
  };
}

/** Maps a library's transport name (UDP, tcp, TLS, WSS…) onto the port's union. */
export function transportOf(name: string): SipTransport {
  const lower = name.toLowerCase();
  return lower === 'tcp' ? 'tcp' : lower === 'tls' ? 'tls' : 'udp';
}
