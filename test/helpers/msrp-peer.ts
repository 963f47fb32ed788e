/**
 * An IM client in session mode for e2e tests: a SIP UAC over UDP that sends INVITE (SDP
 * offer for m=message TCP/MSRP or TCP/TLS/MSRP), ACKs the 200 and sends BYE, and an MSRP
 * endpoint over TCP or TLS (node:tls), connecting (active) or listening (passive, e.g.
 * behind a CEMA middlebox, RFC 6714). Its MSRP wire format is written here from RFC 4975 §9, independently of Herald's
 * codec (adapters/sip/msrp/codec), so a bug shared by both cannot hide. Over TLS it trusts
 * Herald either as a CA (`tlsCa`) or, like most clients, by the certificate fingerprint in
 * Herald's SDP answer (RFC 4975 §14.2), presenting its own self-signed certificate and
 * offering its fingerprint (`tlsIdentity`); that fingerprint code is also its own.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { digestAuthorization } from './raw-sip.js';
import { buildInvite } from './sip-invite.js';

export interface SipAnswer {
  readonly status: number;
  readonly reason: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
  readonly raw: string;
}

function token(n = 6): string {
  return randomBytes(n).toString('hex');
}

/** The SDP fingerprint of a certificate (DER): SHA-256, upper-case hex pairs joined by colons (RFC 8122 §5). */
export function sha256Fingerprint(der: Buffer): string {
  const hex = createHash('sha256').update(der).digest('hex').toUpperCase();
  return Array.from({ length: hex.length / 2 }, (_, i) => hex.slice(i * 2, i * 2 + 2)).join(':');
}

function parseSip(text: string): SipAnswer | undefined {
  const head = /^SIP\/2\.0 (\d{3}) ([^\r\n]*)\r\n/.exec(text);
  if (head === null) return undefined;
  const end = text.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { status: Number(head[1]), reason: head[2] ?? '', headers, body: text.slice(end + 4), raw: text };
}

/** One MSRP frame as the peer reads it. */
export interface PeerFrame {
  readonly tid: string;
  /** SEND / REPORT, or undefined for a response. */
  readonly method: string | undefined;
  readonly status: number | undefined;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Buffer;
  readonly flag: string;
}

/** Splits as many whole frames off `data` as it holds (RFC 4975 §9, end-line `-------tid<flag>CRLF`). */
function takeFrames(data: Buffer): { frames: PeerFrame[]; rest: Buffer } {
  const frames: PeerFrame[] = [];
  let rest = data;
  for (;;) {
    const text = rest.toString('latin1');
    const start = /^MSRP (\S+) ([^\r\n]+)\r\n/.exec(text);
    if (start === null) return { frames, rest };
    const tid = start[1] ?? '';
    const endLine = new RegExp(`-------${tid.replace(/[.+%=]/g, '\\$&')}([$+#])\r\n`);
    const match = endLine.exec(text);
    if (match === null) return { frames, rest };
    const frameText = text.slice(0, match.index);
    const blank = frameText.indexOf('\r\n\r\n');
    const headText = blank === -1 ? frameText : frameText.slice(0, blank);
    const headers = new Map<string, string>();
    for (const line of headText.split('\r\n').slice(1)) {
      if (line === '') continue;
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    // Body: after the blank line, up to the CRLF that precedes the end-line.
    const body = blank === -1 ? Buffer.alloc(0) : rest.subarray(blank + 4, match.index - 2);
    const second = start[2] ?? '';
    const isResponse = /^\d{3}\b/.test(second);
    frames.push({ tid, method: isResponse ? undefined : second, status: isResponse ? Number(second.slice(0, 3)) : undefined, headers, body: Buffer.from(body), flag: match[1] ?? '$' });
    rest = rest.subarray(match.index + match[0].length);
  }
}

export interface InviteOptions {
  readonly gatewayPort: number;
  readonly toUser: string;
  /** The whole To/Request-URI, when not sip:<toUser>@127.0.0.1 (e.g. an email domain). */
  readonly toUri?: string;
  /** Extra SIP header lines (e.g. Accept-Contact for Large Message Mode). */
  readonly headers?: readonly string[];
  /** Replace the SDP offer (refusal tests). */
  readonly sdp?: string;
  /** CSeq number (a new INVITE after a 401 counts up, RFC 3261 §22.2). @defaultValue 1 */
  readonly cseq?: number;
}

/** A session-mode IM user: SIP over UDP, MSRP over TCP (active: it connects, RFC 6135). */
export class MsrpTestPeer {
  readonly user: string;
  readonly #udp = dgram.createSocket('udp4');
  #udpPort = 0;
  #sipWaiters: ((answer: SipAnswer) => void)[] = [];
  readonly sipReceived: SipAnswer[] = [];
  /** BYE requests Herald sent (raw text). */
  readonly byesReceived: string[] = [];
  /** Page-mode MESSAGEs Herald sent (raw text). */
  readonly messagesReceived: string[] = [];
  readonly sessionId = token(8);
  #callId = `${token(8)}@peer`;
  #fromTag = token(4);
  #toTag: string | undefined;
  #cseq = 1;
  #gatewayPort = 0;
  #toUri = '';
  #socket: net.Socket | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  /** Herald's MSRP URI from the SDP answer. */
  remotePath = '';
  /** Every MSRP frame received, in order. */
  readonly frames: PeerFrame[] = [];
  #frameWaiters: (() => void)[] = [];
  /** Whether to answer Herald's SENDs (a test of failure paths may keep silent). */
  answerSends: number | undefined = 200;
  /** msrps: offer TCP/TLS/MSRP and connect with TLS, trusting `tlsCa` (Herald's self-signed certificate). */
  readonly secure: boolean;
  readonly #tlsCa: Buffer | undefined;
  /** The peer's own certificate and key (self-signed): presented on its TLS connections. */
  readonly #tlsIdentity: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  /** Herald's `a=fingerprint` value from the SDP answer (`sha-256 AB:…`), if any. */
  heraldFingerprint: string | undefined;
  /** SHA-256 fingerprint of the certificate Herald presented on the last TLS connection (as server or as client). */
  presentedFingerprint: string | undefined;
  /** Host of the peer's own MSRP URI (a=path); a CEMA test names a host no one can reach. */
  pathHost = '127.0.0.1';
  /** Port of the peer's own MSRP URI: 9 (discard) while it only connects, its listener's port once it listens. */
  #pathPort = 9;
  #listener: net.Server | undefined;
  #accepted: ((socket: net.Socket) => void)[] = [];

  /**
   * `user`: the SIP user part (digest tests need a known one). @defaultValue alice + random
   * `options.secure`/`tlsCa`: msrps, trusting that certificate.
   * `options.tlsIdentity`: msrps with the peer's own certificate, trusting Herald by the
   * fingerprint of its SDP answer instead of a CA.
   */
  constructor(user = `alice${token(3)}`, options: { secure?: boolean; tlsCa?: Buffer; tlsIdentity?: { cert: Buffer; key: Buffer } } = {}) {
    this.user = user;
    this.secure = options.secure === true;
    this.#tlsCa = options.tlsCa;
    this.#tlsIdentity = options.tlsIdentity;
  }

  get uri(): string {
    return `sip:${this.user}@127.0.0.1:${this.#udpPort}`;
  }

  get localPath(): string {
    return `${this.secure ? 'msrps' : 'msrp'}://${this.pathHost}:${this.#pathPort}/${this.sessionId};tcp`;
  }

  async open(): Promise<void> {
    await new Promise<void>((resolve) => this.#udp.bind(0, '127.0.0.1', () => resolve()));
    this.#udpPort = this.#udp.address().port;
    this.#udp.on('message', (msg, rinfo) => {
      const text = msg.toString('latin1');
      if (text.startsWith('BYE ') || text.startsWith('MESSAGE ')) {
        // Herald ends the dialog, or sends in page mode: answer 200 with the request's Via, From, To, Call-ID and CSeq.
        (text.startsWith('BYE ') ? this.byesReceived : this.messagesReceived).push(text);
        const copied = text.split('\r\n').filter((line) => /^(via|from|to|call-id|cseq):/i.test(line));
        this.#udp.send(Buffer.from(['SIP/2.0 200 OK', ...copied, 'Content-Length: 0', '', ''].join('\r\n'), 'latin1'), rinfo.port, rinfo.address);
        return;
      }
      const answer = parseSip(text);
      if (answer === undefined) return;
      this.sipReceived.push(answer);
      for (const wake of this.#sipWaiters.splice(0)) wake(answer);
    });
  }

  /**
   * The SDP offer; `passive` with `port` (from listen()) asks Herald to connect, `cema` adds
   * a=msrp-cema (RFC 6714), `fingerprint` an `a=fingerprint:<value>` (RFC 4975 §14.2).
   */
  offer(options: { setup?: 'active' | 'passive'; port?: number; cema?: boolean; fingerprint?: string } = {}): string {
    return [
      'v=0',
      `o=alice 1 1 IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=message ${options.port ?? 9} ${this.secure ? 'TCP/TLS/MSRP' : 'TCP/MSRP'} *`,
      'a=accept-types:message/cpim text/plain',
      'a=accept-wrapped-types:text/plain message/imdn+xml',
      `a=setup:${options.setup ?? 'active'}`,
      ...(options.cema === true ? ['a=msrp-cema'] : []),
      ...(options.fingerprint === undefined ? [] : [`a=fingerprint:${options.fingerprint}`]),
      `a=path:${this.localPath}`,
      '',
    ].join('\r\n');
  }

  /** This peer's own fingerprint (`sha-256 AB:…`) for its offer; needs `tlsIdentity`. */
  get ownFingerprint(): string {
    if (this.#tlsIdentity === undefined) throw new Error('no tlsIdentity');
    return `sha-256 ${sha256Fingerprint(new X509Certificate(this.#tlsIdentity.cert).raw)}`;
  }

  /**
   * Listens for Herald's connection (the peer is the passive side); resolves with the port.
   * An msrps peer with `tlsIdentity` listens over TLS, asks Herald for its certificate and
   * records its fingerprint in `presentedFingerprint`.
   */
  async listen(): Promise<number> {
    const onSocket = (socket: net.Socket): void => {
      socket.on('error', () => undefined);
      if (socket instanceof tls.TLSSocket) {
        const raw = socket.getPeerCertificate().raw as Buffer | undefined;
        this.presentedFingerprint = raw === undefined ? undefined : sha256Fingerprint(raw);
      }
      socket.on('data', (chunk: Buffer) => this.#onData(chunk));
      this.#socket = socket;
      for (const wake of this.#accepted.splice(0)) wake(socket);
    };
    const identity = this.#tlsIdentity;
    let server: net.Server;
    if (this.secure && identity !== undefined) {
      const secure = tls.createServer({ cert: identity.cert, key: identity.key, requestCert: true, rejectUnauthorized: false }, onSocket);
      secure.on('tlsClientError', () => undefined);
      server = secure;
    } else server = net.createServer(onSocket);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.#listener = server;
    const address = server.address();
    // RFC 4975 §8.1: Herald connects to the path URI (without CEMA), so it names the listener.
    this.#pathPort = address !== null && typeof address === 'object' ? address.port : 0;
    return this.#pathPort;
  }

  /** Resolves once Herald connected to the listener (see listen()). */
  accepted(timeoutMs = 10_000): Promise<net.Socket> {
    if (this.#socket !== undefined) return Promise.resolve(this.#socket);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Herald did not connect')), timeoutMs);
      this.#accepted.push((socket) => {
        clearTimeout(timer);
        resolve(socket);
      });
    });
  }

  /** Waits for the next final response matching `cseqMethod`, resending the request every 500 ms (Timer A) until one comes. */
  #final(cseqMethod: string, resend: () => void, timeoutMs = 15_000): Promise<SipAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final response to ${cseqMethod}`)), timeoutMs);
      const again = setInterval(resend, 500);
      const check = (answer: SipAnswer): void => {
        if (answer.status >= 200 && (answer.headers.get('cseq') ?? '').endsWith(cseqMethod)) {
          clearTimeout(timer);
          clearInterval(again);
          resolve(answer);
        } else this.#sipWaiters.push(check);
      };
      this.#sipWaiters.push(check);
      resend();
    });
  }

  /** Sends INVITE; on 200 sends ACK and records Herald's MSRP path. Resolves with the final answer. */
  async invite(options: InviteOptions): Promise<SipAnswer> {
    this.#gatewayPort = options.gatewayPort;
    this.#toUri = options.toUri ?? `sip:${options.toUser}@127.0.0.1`;
    const sdp = options.sdp ?? this.offer();
    this.#cseq = options.cseq ?? 1;
    const branch = `z9hG4bK${token()}`;
    const request = (): Buffer => this.#request('INVITE', { branch, headers: options.headers, body: sdp });
    const answer = await this.#final('INVITE', () => this.#sendBytes(request()));
    if (answer.status >= 200 && answer.status < 300) {
      this.#toTag = /;tag=([^;>\s]+)/.exec(answer.headers.get('to') ?? '')?.[1];
      this.remotePath = /a=path:(\S+)/.exec(answer.body)?.[1] ?? '';
      this.heraldFingerprint = /^a=fingerprint:(.+?)\r?$/m.exec(answer.body)?.[1];
      this.#ack();
    }
    return answer;
  }

  /**
   * INVITE, then, when challenged 401, INVITE again with digest credentials (CSeq 2), as a
   * client does. Resolves with both answers (the challenge is undefined when none came).
   */
  async inviteWithDigest(options: InviteOptions, credentials: { username: string; password: string }): Promise<{ challenge: SipAnswer | undefined; answer: SipAnswer }> {
    const first = await this.invite(options);
    if (first.status !== 401) return { challenge: undefined, answer: first };
    const authorization = digestAuthorization({
      challenge: first.headers.get('www-authenticate') ?? '',
      ...credentials,
      uri: this.#toUri,
      method: 'INVITE',
    });
    const answer = await this.invite({ ...options, cseq: 2, headers: [...(options.headers ?? []), authorization] });
    return { challenge: first, answer };
  }

  #ack(): void {
    this.#sendBytes(this.#request('ACK', { toTag: this.#toTag ?? '' }));
  }

  /** One request of this peer's dialog through the shared builder (test/helpers/sip-invite.ts). */
  #request(method: string, options: { branch?: string; toTag?: string; headers?: readonly string[] | undefined; body?: string; cseqMethod?: string }): Buffer {
    return buildInvite({
      method,
      requestUri: this.#toUri,
      via: { host: '127.0.0.1', port: this.#udpPort },
      from: `sip:${this.user}@127.0.0.1:${this.#udpPort}`,
      fromTag: this.#fromTag,
      callId: this.#callId,
      cseq: this.#cseq,
      ...options,
      ...(options.body === undefined || options.body === '' ? { body: undefined } : {}),
    });
  }

  #sendBytes(bytes: Buffer): void {
    this.#udp.send(bytes, this.#gatewayPort, '127.0.0.1');
  }

  /** The To tag Herald (or drachtio-server in front of it) answered the INVITE with. */
  get toTag(): string | undefined {
    return this.#toTag;
  }

  /**
   * A session refresh in the dialog (RFC 4028): re-INVITE with the same offer (ACKed on
   * 2xx) or UPDATE, with or without the offer. Resolves with the final answer.
   */
  async refresh(method: 'INVITE' | 'UPDATE', options: { headers?: readonly string[]; withSdp?: boolean } = {}): Promise<SipAnswer> {
    this.#cseq += 1;
    const sdp = method === 'INVITE' || options.withSdp === true ? this.offer() : '';
    const branch = `z9hG4bK${token()}`;
    const request = this.#request(method, { branch, toTag: this.#toTag ?? '', headers: options.headers, body: sdp });
    const answer = await this.#final(method, () => this.#sendBytes(request));
    if (method === 'INVITE' && answer.status >= 200 && answer.status < 300) this.#ack();
    return answer;
  }

  /** BYE in the dialog; `toTag` replaces Herald's tag (a BYE for no dialog Herald knows). */
  async bye(options: { toTag?: string } = {}): Promise<SipAnswer> {
    this.#cseq += 1;
    const request = this.#request('BYE', { branch: `z9hG4bK${token()}`, toTag: options.toTag ?? this.#toTag ?? '' });
    return this.#final('BYE', () => this.#sendBytes(request));
  }

  /** Connects to Herald's MSRP URI (the peer is the active side); over TLS for an msrps URI. */
  async connect(options: { bind?: boolean } = {}): Promise<void> {
    const match = /^(msrps?):\/\/([^:/]+):(\d+)\//.exec(this.remotePath);
    if (match === null) throw new Error(`no MSRP path in the answer: ${this.remotePath}`);
    const host = match[2] ?? '127.0.0.1';
    const port = Number(match[3]);
    const overTls = match[1] === 'msrps';
    // The certificate is checked against the trusted CA and the URI's host (an IP SAN here),
    // or, with the peer's own identity, against the fingerprint of Herald's SDP answer.
    const identity = this.#tlsIdentity;
    const socket = !overTls
      ? net.connect(port, host)
      : identity === undefined
        ? tls.connect({ host, port, ...(this.#tlsCa === undefined ? {} : { ca: this.#tlsCa }) })
        : tls.connect({ host, port, cert: identity.cert, key: identity.key, rejectUnauthorized: false });
    // Node over TLS 1.3 forgets a client's peer certificate soon after the handshake: read it in its event.
    const presented = await new Promise<Buffer | undefined>((resolve, reject) => {
      socket.once(overTls ? 'secureConnect' : 'connect', () => resolve(socket instanceof tls.TLSSocket ? (socket.getPeerCertificate().raw as Buffer | undefined) : undefined));
      socket.once('error', reject);
    });
    if (overTls && identity !== undefined) {
      this.presentedFingerprint = presented === undefined ? undefined : sha256Fingerprint(presented);
      if (this.heraldFingerprint !== `sha-256 ${this.presentedFingerprint ?? ''}`) {
        socket.destroy();
        throw new Error(`Herald presented ${this.presentedFingerprint ?? 'no certificate'}, its SDP said ${this.heraldFingerprint ?? 'nothing'}`);
      }
    }
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket = socket;
    if (options.bind === false) return;
    // RFC 4975 §7.1.1: the active side sends a SEND at once, empty if need be, to bind the connection.
    const tid = token(5);
    this.write(`MSRP ${tid} SEND\r\nTo-Path: ${this.remotePath}\r\nFrom-Path: ${this.localPath}\r\nMessage-ID: ${token(4)}\r\nByte-Range: 1-0/0\r\n-------${tid}$\r\n`);
    await this.waitFrame((f) => f.tid === tid && f.status !== undefined, 10_000);
  }

  /** Resolves once Herald closed the MSRP connection (or after `timeoutMs` with false). */
  closedByGateway(timeoutMs = 10_000): Promise<boolean> {
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Drops the TCP connection at once (a lost connection mid-chunk). */
  drop(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    this.#buffer = Buffer.alloc(0);
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const { frames, rest } = takeFrames(this.#buffer);
    this.#buffer = rest;
    for (const frame of frames) {
      this.frames.push(frame);
      if (frame.method === 'SEND' && this.answerSends !== undefined) {
        this.write(`MSRP ${frame.tid} ${this.answerSends} OK\r\nTo-Path: ${frame.headers.get('from-path') ?? ''}\r\nFrom-Path: ${this.localPath}\r\n-------${frame.tid}$\r\n`);
      }
    }
    if (frames.length > 0) for (const wake of this.#frameWaiters.splice(0)) wake();
  }

  write(bytes: string | Buffer): void {
    this.#socket?.write(bytes);
  }

  /** One SEND chunk's bytes (RFC 4975 §7.1), written by hand. */
  sendChunk(options: { tid?: string; messageId: string; contentType: string; body: Buffer; range: string; flag?: '$' | '+' | '#'; extra?: string[] }): string {
    const tid = options.tid ?? token(5);
    const head = [
      `MSRP ${tid} SEND`,
      `To-Path: ${this.remotePath}`,
      `From-Path: ${this.localPath}`,
      `Message-ID: ${options.messageId}`,
      `Byte-Range: ${options.range}`,
      ...(options.extra ?? []),
      `Content-Type: ${options.contentType}`,
      '',
      '',
    ].join('\r\n');
    this.write(Buffer.concat([Buffer.from(head, 'latin1'), options.body, Buffer.from(`\r\n-------${tid}${options.flag ?? '$'}\r\n`, 'latin1')]));
    return tid;
  }

  /** Sends a whole message in chunks of `chunkBytes` and resolves with the status of each chunk's response. */
  async sendMessage(contentType: string, body: Buffer, options: { chunkBytes?: number; messageId?: string; extra?: string[] } = {}): Promise<number[]> {
    const size = options.chunkBytes ?? 2048;
    const messageId = options.messageId ?? token(6);
    const statuses: number[] = [];
    for (let offset = 0; offset < Math.max(body.length, 1); offset += size) {
      const piece = body.subarray(offset, offset + size);
      const last = offset + size >= body.length;
      const tid = this.sendChunk({ messageId, contentType, body: piece, range: `${offset + 1}-${offset + piece.length}/${body.length}`, flag: last ? '$' : '+', extra: options.extra });
      const response = await this.waitFrame((f) => f.tid === tid && f.status !== undefined);
      statuses.push(response.status ?? 0);
      if ((response.status ?? 0) !== 200) break;
    }
    return statuses;
  }

  /** Resolves with the first received frame matching `test` (already received ones count). */
  waitFrame(test: (frame: PeerFrame) => boolean, timeoutMs = 20_000): Promise<PeerFrame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('MSRP frame not received in time')), timeoutMs);
      const check = (): void => {
        const found = this.frames.find(test);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else this.#frameWaiters.push(check);
      };
      check();
    });
  }

  close(): void {
    this.drop();
    this.#listener?.close();
    this.#udp.close();
  }
}

/** A CPIM-wrapped text with an imdn.Message-ID and the dispositions asked for (RFC 5438). */
export function cpimText(from: string, to: string, imdnId: string, text: string, dispositions = 'positive-delivery'): Buffer {
  return Buffer.from(
    [`From: <${from}>`, `To: <${to}>`, 'DateTime: 2026-12-07T01:00:00Z', 'NS: imdn <urn:ietf:params:imdn>', `imdn.Message-ID: ${imdnId}`, `imdn.Disposition-Notification: ${dispositions}`, '', 'Content-Type: text/plain;charset=UTF-8', '', text].join('\r\n'),
    'utf8',
  );
}
