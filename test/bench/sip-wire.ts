/**
 * Just enough SIP on raw UDP for the bench: format one page-mode MESSAGE, read a response's
 * status and Call-ID, read a request's transaction headers and answer it. A full stack (the
 * `sip` package) costs more CPU per message than the gateway under test would get left on a
 * 2-core machine, so the load generator and the IMDN sink speak the wire directly.
 */

const CRLF = '\r\n';

/** The lines of a SIP message's header block, its body, and whether it is a response. */
export interface WireMessage {
  readonly startLine: string;
  /** Header name (lower case, compact forms expanded) → values in order. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: string;
}

/** RFC 3261 §7.3.3 compact forms the gateway's stack may use. */
const COMPACT: Readonly<Record<string, string>> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  l: 'content-length',
  c: 'content-type',
  m: 'contact',
};

/** Parses a datagram; undefined when it is not SIP (nothing to answer then). */
export function parseWire(datagram: Buffer): WireMessage | undefined {
  const text = datagram.toString('latin1');
  const end = text.indexOf(CRLF + CRLF);
  if (end < 0) return undefined;
  const lines = text.slice(0, end).split(CRLF);
  const startLine = lines[0] ?? '';
  const headers = new Map<string, string[]>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name);
    if (list === undefined) headers.set(name, [value]);
    else list.push(value);
  }
  return { startLine, headers, body: text.slice(end + 4) };
}

/** Status code of a response, or undefined for a request. */
export function statusOf(message: WireMessage): number | undefined {
  if (!message.startLine.startsWith('SIP/2.0 ')) return undefined;
  const code = Number(message.startLine.slice(8, 11));
  return Number.isInteger(code) ? code : undefined;
}

export function headerOf(message: WireMessage, name: string): string | undefined {
  return message.headers.get(name)?.[0];
}

/** A final response to a request, echoing its transaction headers (RFC 3261 §8.2.6). */
export function responseTo(request: WireMessage, status: number, reason: string, toTag: string): Buffer {
  const out = [`SIP/2.0 ${status} ${reason}`];
  for (const via of request.headers.get('via') ?? []) out.push(`Via: ${via}`);
  const to = headerOf(request, 'to') ?? '';
  out.push(`From: ${headerOf(request, 'from') ?? ''}`);
  out.push(`To: ${/;\s*tag=/i.test(to) ? to : `${to};tag=${toTag}`}`);
  out.push(`Call-ID: ${headerOf(request, 'call-id') ?? ''}`);
  out.push(`CSeq: ${headerOf(request, 'cseq') ?? ''}`);
  out.push('Content-Length: 0', '', '');
  return Buffer.from(out.join(CRLF), 'latin1');
}

export interface MessageRequest {
  readonly requestUri: string;
  readonly from: string;
  readonly to: string;
  readonly callId: string;
  readonly branch: string;
  /** host:port of the sending socket, for Via. */
  readonly via: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** A MESSAGE request (RFC 3428) ready for the socket. */
export function formatMessage(request: MessageRequest): Buffer {
  const head = [
    `MESSAGE ${request.requestUri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${request.via};branch=${request.branch};rport`,
    'Max-Forwards: 70',
    `From: <${request.from}>;tag=${request.branch.slice(-8)}`,
    `To: <${request.to}>`,
    `Call-ID: ${request.callId}`,
    'CSeq: 1 MESSAGE',
    `Content-Type: ${request.contentType}`,
    `Content-Length: ${request.body.length}`,
    '',
    '',
  ].join(CRLF);
  return Buffer.concat([Buffer.from(head, 'latin1'), request.body]);
}
