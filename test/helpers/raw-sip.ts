/**
 * Hand-built SIP requests over a UDP socket (node:dgram), for threats no real client
 * produces: replayed Authorization headers, spoofed From, NUL bytes. Loopback only.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

export interface RawResponse {
  readonly status: number;
  readonly reason: string;
  /** Every value of each header, by lower-case name, in order. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly text: string;
}

export interface RawMessage {
  readonly requestUri: string;
  readonly from: string;
  readonly to?: string | undefined;
  readonly callId?: string | undefined;
  readonly cseq?: number | undefined;
  readonly contentType?: string | undefined;
  readonly body: Buffer | string;
  /** Extra header lines, e.g. `Authorization: Digest …`. */
  readonly headers?: readonly string[] | undefined;
}

export function parseResponse(text: string): RawResponse {
  const [head = ''] = text.split('\r\n\r\n');
  const [startLine = '', ...lines] = head.split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(startLine);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) (headers[line.slice(0, colon).trim().toLowerCase()] ??= []).push(line.slice(colon + 1).trim());
  }
  return { status: Number(m?.[1] ?? 0), reason: m?.[2] ?? '', headers, text };
}

/** The request as bytes: a fresh branch and tag each time; Call-ID and CSeq as given. */
export function buildMessage(port: number, message: RawMessage): Buffer {
  const body = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : message.body;
  const head = [
    `MESSAGE ${message.requestUri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: ${message.from};tag=${randomBytes(4).toString('hex')}`,
    `To: ${message.to ?? `<${message.requestUri}>`}`,
    `Call-ID: ${message.callId ?? `${randomBytes(8).toString('hex')}@127.0.0.1`}`,
    `CSeq: ${message.cseq ?? 1} MESSAGE`,
    'Max-Forwards: 70',
    ...(message.headers ?? []),
    `Content-Type: ${message.contentType ?? 'text/plain'}`,
    `Content-Length: ${body.length}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

/** Sends one datagram to the gateway and resolves with the first final response. */
export async function sendUdp(gatewayPort: number, build: (localPort: number) => Buffer, timeoutMs = 5000): Promise<RawResponse> {
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const localPort = socket.address().port;
    const answer = new Promise<RawResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no final response')), timeoutMs);
      socket.on('message', (data) => {
        const response = parseResponse(data.toString('utf8'));
        if (response.status >= 200) {
          clearTimeout(timer);
          resolve(response);
        }
      });
    });
    socket.send(build(localPort), gatewayPort, '127.0.0.1');
    return await answer;
  } finally {
    socket.close();
  }
}

export function sendMessage(gatewayPort: number, message: RawMessage): Promise<RawResponse> {
  return sendUdp(gatewayPort, (localPort) => buildMessage(localPort, message));
}

/** Parses `Digest k=v, k="v"` (tests keep their own copy of the grammar). */
export function digestParams(header: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of header.replace(/^\s*Digest\s+/i, '').matchAll(/([A-Za-z0-9_-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))/g)) {
    out.set((m[1] ?? '').toLowerCase(), m[2] ?? m[3] ?? '');
  }
  return out;
}

export interface DigestAnswer {
  readonly challenge: string;
  readonly username: string;
  readonly password: string;
  readonly uri: string;
  readonly nc?: string | undefined;
  readonly method?: string | undefined;
}

/** An Authorization header answering `challenge` with its own algorithm and qop=auth. */
export function digestAuthorization(answer: DigestAnswer): string {
  const c = digestParams(answer.challenge);
  const algorithm = c.get('algorithm') ?? 'MD5';
  const hash = (s: string): string => createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const realm = c.get('realm') ?? '';
  const nonce = c.get('nonce') ?? '';
  const nc = answer.nc ?? '00000001';
  const cnonce = randomBytes(4).toString('hex');
  const ha1 = hash(`${answer.username}:${realm}:${answer.password}`);
  const ha2 = hash(`${answer.method ?? 'MESSAGE'}:${answer.uri}`);
  const response = hash(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Authorization: Digest username="${answer.username}", realm="${realm}", nonce="${nonce}", uri="${answer.uri}", response="${response}", algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}
