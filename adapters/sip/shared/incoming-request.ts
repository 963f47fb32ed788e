import type { SipIncomingRequest, SipTransport } from '../../../src/ports/sip-edge.port.js';
import { parseHeaderBlock, type HeaderMap } from './header-block.js';
import { parseNameAddr } from './name-addr.js';
import { textFromWire } from './wire-text.js';

export interface RawIncomingRequest {
  readonly method: string;
  readonly requestUri: string;
  /** Header lines as wire text (latin1), without the start line. */
  readonly headerBlock: string;
  /** The header lines already split (the standalone edge's parser did it); saves a re-parse. */
  readonly headerLines?: readonly { readonly name: string; readonly value: string }[] | undefined;
  readonly body: Buffer;
  readonly source: { readonly address: string; readonly port: number; readonly transport: SipTransport };
}

/** Wire header lines → the core's map (no prototype: `__proto__` is just a name). */
function headerMapOf(lines: readonly { readonly name: string; readonly value: string }[]): HeaderMap {
  const headers = Object.create(null) as HeaderMap;
  for (const { name, value } of lines) (headers[name] ??= []).push(textFromWire(value));
  return headers;
}

/** Builds the core's typed request; both edges go through here so they agree exactly. */
export function toIncomingRequest(raw: RawIncomingRequest): SipIncomingRequest {
  const headers = raw.headerLines === undefined ? parseHeaderBlock(raw.headerBlock) : headerMapOf(raw.headerLines);
  const cseq = Number.parseInt(headers.cseq?.[0] ?? '', 10);
  return {
    // Methods are case-sensitive (RFC 3261 §7.1) and never unescaped: `MESS%41GE` is not MESSAGE.
    method: raw.method,
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
