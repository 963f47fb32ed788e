/**
 * A stand-in for drachtio-server that speaks its TCP control protocol, so tests exercise
 * the real drachtio-srf client library. Frames are `<byte length>#<msgId>|<type>|…`; a SIP
 * message follows the first CRLF of a frame. What the double implements:
 * - `authenticate|<secret>|<tags>` → `response|<id>|OK|<hostport>|<version>|<hostports>`
 *   (NOK on a wrong secret), `route|<verb>` and `ping` → OK;
 * - inject(): a request "from the network" as `sip|network|<len>|<proto>|<addr>|<port>|
 *   <time>|<txnId>|<dialogId>|<host>|<port>` and capture the app's `sip|<txnId>|…`
 *   response;
 * - a request the app originates (`sip|||[proxy]`) is acknowledged with
 *   `response|<id>|OK|application|<len>|<proto>|<addr>|<port>|<time>|<txnId>|<dialogId>`
 *   echoing the request as "sent", then answered with scripted far-end responses
 *   delivered as `sip|network|…|<txnId>|…` frames.
 * Both drachtio modes: listen() for inbound (srf connects here), connectTo() for outbound.
 *
 * listenSip() adds drachtio-server's SIP side on a UDP port, for session tests that run a
 * real SIP client against it (test/helpers/msrp-peer.ts): an INVITE is answered 100
 * Trying by the "server" and passed to the app; the server picks the To tag of every answer
 * itself when the INVITE arrives (sofia's nta_incoming_tag, drachtio-server's
 * addIncomingInviteTransaction), whatever the app's response names, adds a Contact to a 2xx
 * the app sent without one, and makes a dialog of the 2xx (id `<Call-ID>;from-tag=<tag>`,
 * told to the app in its answer to the response frame). Requests inside the dialog (ACK,
 * BYE, re-INVITE, UPDATE) go to the app that holds it with the dialog id; for a dialog it
 * does not hold it answers 481 itself. A request the app sends as `sip||<dialog id>` is built
 * from the dialog (Request-URI = the peer's Contact, tags, next CSeq) and sent to the peer,
 * and the peer's answer is passed back; an unknown dialog id gets NOK.
 *
 * Like the real server, it refuses what drachtio-server refuses before any application sees
 * it (adapters/sip/drachtio/limits.ts): a request larger than 8 KB or whose body holds a
 * NUL byte is answered 400 by the "server" itself and never reaches the app; a method no
 * connected app routed gets 503; and what the app sends has its body cut at the first NUL.
 * Pass
 * `limits: null` only to test the edge beyond what a real deployment can carry.
 */
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { DRACHTIO_MAX_MESSAGE_BYTES, DRACHTIO_REFUSED_BODY_BYTE } from '../../adapters/sip/drachtio/limits.js';

const CRLF = '\r\n';

export interface CapturedSip {
  /** Leader tokens after msgId and type, e.g. [txnId, dialogId] for an app response. */
  readonly tokens: readonly string[];
  /** The SIP message bytes exactly as framed. */
  readonly raw: Buffer;
  readonly text: string;
  /** For the answer to an injected request: who gave it (drachtio-server itself at its limits). */
  readonly answeredBy?: 'app' | 'drachtio-server';
}

/** What the double refuses before the app sees it; see the module comment. */
export interface DrachtioLimits {
  /** Largest whole request (start line, headers, body) passed to the app. */
  readonly maxMessageBytes: number;
  /** Whether a NUL byte in the body gets 400 from drachtio-server. */
  readonly refuseNulInBody: boolean;
}

/** The limits of the real drachtio-server. */
export const REAL_DRACHTIO_LIMITS: DrachtioLimits = { maxMessageBytes: DRACHTIO_MAX_MESSAGE_BYTES, refuseNulInBody: true };

export interface ScriptedResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

export type RequestScript = (request: CapturedSip, index: number) => ScriptedResponse;

interface Frame {
  readonly msgId: string;
  readonly type: string;
  readonly tokens: string[];
  readonly sip: Buffer;
}

/** A dialog the double made of a 2xx the app sent to an INVITE. */
export interface DoubleDialog {
  readonly dialogId: string;
  readonly callId: string;
  /** The tag the double chose (To of the 2xx). */
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  /** The peer's Contact: where in-dialog requests from the app go. */
  readonly remoteTarget: string;
  cseq: number;
  readonly app: net.Socket;
}

/** What the double remembers of a request it passed to the app, to finish its answer. */
interface Injected {
  readonly method: string;
  readonly request: string;
  /** The tag the "server" picked for an INVITE outside a dialog. */
  readonly localTag: string | undefined;
}

function tagOf(value: string | undefined): string | undefined {
  return /;\s*tag=([^;>\s]+)/i.exec(value ?? '')?.[1];
}

function uriOf(value: string | undefined): string {
  return /<([^>]+)>/.exec(value ?? '')?.[1] ?? (value ?? '').split(';')[0]?.trim() ?? '';
}

function headerOf(text: string, name: string): string | undefined {
  const match = new RegExp(`^${name}\\s*:\\s*(.*)$`, 'im').exec(text.split('\r\n\r\n')[0] ?? '');
  return match?.[1]?.trim();
}

export class DrachtioServerDouble {
  readonly received: Frame[] = [];
  /** Requests the app originated, as the double "sent" them. */
  readonly requests: CapturedSip[] = [];
  readonly routes = new Set<string>();
  /** Far-end answer to requests the app sends; default 200 OK. */
  script: RequestScript = () => ({ status: 200, reason: 'OK' });
  authentications = 0;
  /** drachtio-server's log lines for requests it refused at its limits. */
  readonly refusals: string[] = [];

  readonly #secret: string;
  readonly #sockets = new Set<net.Socket>();
  #authenticated: net.Socket | undefined;
  /** Per app connection: routed methods; an outbound one (drachtio connected to the app) takes every method. */
  readonly #apps = new Map<net.Socket, { readonly outbound: boolean; readonly routes: Set<string> }>();
  readonly #outbound = new WeakSet<net.Socket>();
  #server: net.Server | undefined;
  readonly #waiters = new Map<string, (sip: CapturedSip) => void>();
  #authWaiters: Array<() => void> = [];

  readonly #limits: DrachtioLimits | null;
  /** Dialogs made of the app's 2xx to INVITE, by dialog id. */
  readonly dialogs = new Map<string, DoubleDialog>();
  readonly #injected = new Map<string, Injected>();
  #sip: dgram.Socket | undefined;
  #sipPort = 0;
  /** Client transactions of requests the app sent in a dialog, by Via branch. */
  readonly #outgoing = new Map<string, (response: Buffer) => void>();

  /** `limits: null` passes everything on (the edge's own behaviour beyond the real server's limits). */
  constructor(secret = 'cymru', limits: DrachtioLimits | null = REAL_DRACHTIO_LIMITS) {
    this.#secret = secret;
    this.#limits = limits;
  }

  /** Inbound mode: listen for srf.connect() (on `port`, to come back where it was after a restart). */
  async listen(port = 0): Promise<number> {
    this.#server = net.createServer((socket) => this.#attach(socket));
    await new Promise<void>((resolve, reject) => {
      this.#server?.once('error', reject);
      this.#server?.listen(port, '127.0.0.1', resolve);
    });
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  /** Outbound mode: connect to an app doing srf.listen(). */
  async connectTo(port: number): Promise<void> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    this.#attach(socket, true);
  }

  /** Resolves once an app has authenticated (and, inbound, sent its routes). */
  whenAuthenticated(): Promise<void> {
    if (this.#authenticated) return Promise.resolve();
    return new Promise((resolve) => this.#authWaiters.push(resolve));
  }

  /** Resolves once an authenticated app takes `method` (routed it, or is an outbound connection). */
  async whenRouted(method: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#appFor(method.toUpperCase()) === undefined) {
      if (Date.now() > deadline) throw new Error(`no app took ${method} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Drops every app connection (to test reconnects). */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#authenticated = undefined;
    this.#apps.clear();
  }

  /**
   * Delivers `raw` to the app as a request from the network and resolves with the app's
   * response as drachtio-srf framed it.
   */
  inject(raw: Buffer, source: { protocol?: string; address?: string; port?: number } = {}, dialog?: DoubleDialog): Promise<CapturedSip> {
    const refusal = this.#refusalOf(raw);
    if (refusal !== undefined) {
      // sofia-sip refuses it inside drachtio-server: the app never hears of it.
      this.refusals.push(refusal);
      const answer = this.#responseTo(raw.toString('latin1'), { status: 400, reason: 'Bad Request' });
      return Promise.resolve({ tokens: [], raw: answer, text: answer.toString('latin1'), answeredBy: 'drachtio-server' });
    }
    const method = raw.toString('latin1', 0, Math.max(raw.indexOf(' '), 0)).toUpperCase();
    // Inside a dialog the request goes to the app that holds it, routed or not.
    const socket = dialog?.app ?? this.#appFor(method);
    if (!socket) {
      // No application takes the method: drachtio-server answers it itself.
      this.refusals.push(`No providers available for ${method}`);
      const answer = this.#responseTo(raw.toString('latin1'), { status: 503, reason: 'Service Unavailable' });
      return Promise.resolve({ tokens: [], raw: answer, text: answer.toString('latin1'), answeredBy: 'drachtio-server' });
    }
    const txnId = randomUUID();
    const text = raw.toString('latin1');
    const fresh = method === 'INVITE' && tagOf(headerOf(text, 'To')) === undefined;
    this.#injected.set(txnId, { method, request: text, localTag: fresh ? randomUUID().slice(0, 8) : undefined });
    const leader = [
      'sip', 'network', String(raw.length), source.protocol ?? 'udp', source.address ?? '127.0.0.1',
      String(source.port ?? 5062), String(Date.now()), txnId, dialog?.dialogId ?? '', '127.0.0.1', '5060',
    ].join('|');
    const response = new Promise<CapturedSip>((resolve) => this.#waiters.set(txnId, (sip) => resolve({ ...sip, answeredBy: 'app' })));
    this.#send(socket, leader, raw);
    return response;
  }

  /**
   * drachtio-server's SIP port (UDP): requests from the network go to the app, answers back
   * to their source; in-dialog requests the app sends go to the peer from here.
   */
  async listenSip(): Promise<number> {
    const socket = dgram.createSocket('udp4');
    this.#sip = socket;
    socket.on('message', (msg, rinfo) => void this.#onDatagram(msg, rinfo));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    this.#sipPort = socket.address().port;
    return this.#sipPort;
  }

  async #onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): Promise<void> {
    const text = msg.toString('latin1');
    const answer = (bytes: Buffer): void => this.#sip?.send(bytes, rinfo.port, rinfo.address);
    if (text.startsWith('SIP/2.0 ')) {
      const branch = /;branch=([^;\s]+)/.exec(headerOf(text, 'Via') ?? '')?.[1] ?? '';
      this.#outgoing.get(branch)?.(msg);
      return;
    }
    const method = text.slice(0, text.indexOf(' '));
    const toTag = tagOf(headerOf(text, 'To'));
    const source = { protocol: 'udp', address: rinfo.address, port: rinfo.port };
    if (toTag === undefined) {
      if (method === 'ACK') return;
      if (method === 'INVITE') answer(this.#responseTo(text, { status: 100, reason: 'Trying' }));
      const response = await this.inject(msg, source);
      answer(response.raw);
      return;
    }
    const callId = headerOf(text, 'Call-ID') ?? '';
    const dialog = [...this.dialogs.values()].find((d) => d.callId === callId && d.localTag === toTag && d.remoteTag === tagOf(headerOf(text, 'From')));
    if (dialog === undefined) {
      if (method !== 'ACK') answer(this.#responseTo(text, { status: 481, reason: 'Call/Transaction Does Not Exist' }));
      return;
    }
    if (method === 'ACK') {
      this.#send(dialog.app, ['sip', 'network', String(msg.length), 'udp', rinfo.address, String(rinfo.port), String(Date.now()), randomUUID(), dialog.dialogId, '127.0.0.1', '5060'].join('|'), msg);
      return;
    }
    const response = await this.inject(msg, source, dialog);
    if (method === 'BYE' && / 2\d\d /.test(response.text.split(CRLF)[0] ?? '')) this.dialogs.delete(dialog.dialogId);
    answer(response.raw);
  }

  /**
   * drachtio-server tearing a dialog down itself (an ACK that never came, a session timer
   * that ran out): BYE to the peer, and the same BYE reported to the app as an
   * "unsolicited" request from the application side (`sip|application|…|unsolicited|<dialog
   * id>`), which srf hands to the app without a way to answer it.
   */
  endDialog(dialogId: string): void {
    const dialog = this.dialogs.get(dialogId);
    if (dialog === undefined) throw new Error(`no dialog ${dialogId}`);
    this.dialogs.delete(dialogId);
    dialog.cseq += 1;
    const bye = Buffer.from(
      [
        `BYE ${dialog.remoteTarget} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.#sipPort};branch=z9hG4bK${randomUUID().slice(0, 12)}`,
        'Max-Forwards: 70',
        `From: <${dialog.localUri}>;tag=${dialog.localTag}`,
        `To: <${dialog.remoteUri}>;tag=${dialog.remoteTag}`,
        `Call-ID: ${dialog.callId}`,
        `CSeq: ${dialog.cseq} BYE`,
        'Reason: SIP;text="session timer expired"',
        'Content-Length: 0',
        '',
        '',
      ].join(CRLF),
      'latin1',
    );
    const target = /^sips?:(?:[^@]*@)?([^:;>]+)(?::(\d+))?/.exec(dialog.remoteTarget);
    this.#sip?.send(bye, Number(target?.[2] ?? 5060), target?.[1] ?? '127.0.0.1');
    this.#send(dialog.app, `sip|application|${bye.length}|udp|127.0.0.1|${this.#sipPort}|${Date.now()}|unsolicited|${dialogId}`, bye);
  }

  /** What the "server" puts on the wire for the app's answer to an injected request (see the module comment). */
  #finishAnswer(socket: net.Socket, injected: Injected, sip: Buffer): { sent: Buffer; dialogId: string } {
    if (injected.localTag === undefined) return { sent: sip, dialogId: '' };
    const text = sip.toString('latin1');
    const headerEnd = text.indexOf(CRLF + CRLF);
    const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1] ?? 0);
    let head = text.slice(0, headerEnd).replace(/^(To|t)\s*:\s*(.*)$/im, (_m, _name: string, value: string) => `To: ${value.replace(/;\s*tag=[^;>\s]+/i, '')};tag=${injected.localTag}`);
    let dialogId = '';
    if (status >= 200 && status < 300) {
      if (!/^(Contact|m)\s*:/im.test(head)) head += `${CRLF}Contact: <sip:127.0.0.1:${this.#sipPort};transport=udp>`;
      const request = injected.request;
      const callId = headerOf(request, 'Call-ID') ?? '';
      const remoteTag = tagOf(headerOf(request, 'From')) ?? '';
      dialogId = `${callId};from-tag=${remoteTag}`;
      this.dialogs.set(dialogId, {
        dialogId,
        callId,
        localTag: injected.localTag,
        remoteTag,
        localUri: uriOf(headerOf(request, 'To')),
        remoteUri: uriOf(headerOf(request, 'From')),
        remoteTarget: uriOf(headerOf(request, 'Contact')),
        cseq: 0,
        app: socket,
      });
    }
    return { sent: Buffer.concat([Buffer.from(head + CRLF + CRLF, 'latin1'), sip.subarray(headerEnd + 4)]), dialogId };
  }

  /** A request the app sends inside `dialog`: built from the dialog, sent to the peer, its answer passed back. */
  #sendInDialog(socket: net.Socket, frame: Frame, dialog: DoubleDialog): void {
    const text = frame.sip.toString('latin1');
    const method = text.slice(0, text.indexOf(' '));
    const target = /^sips?:(?:[^@]*@)?([^:;>]+)(?::(\d+))?/.exec(dialog.remoteTarget);
    const branch = `z9hG4bK${randomUUID().slice(0, 12)}`;
    dialog.cseq += 1;
    const extra = text.slice(text.indexOf(CRLF) + 2, text.indexOf(CRLF + CRLF)).split(CRLF)
      .filter((line) => line !== '' && !/^(via|from|to|call-id|cseq|content-length|max-forwards|l|f|t|i|v)\s*:/i.test(line));
    const body = frame.sip.subarray(frame.sip.indexOf(CRLF + CRLF) + 4);
    const request = Buffer.concat([
      Buffer.from([
        `${method} ${dialog.remoteTarget} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${this.#sipPort};branch=${branch}`,
        'Max-Forwards: 70',
        `From: <${dialog.localUri}>;tag=${dialog.localTag}`,
        `To: <${dialog.remoteUri}>;tag=${dialog.remoteTag}`,
        `Call-ID: ${dialog.callId}`,
        `CSeq: ${dialog.cseq} ${method}`,
        ...extra,
        `Content-Length: ${body.length}`,
        '',
        '',
      ].join(CRLF), 'latin1'),
      body,
    ]);
    const txnId = randomUUID();
    this.requests.push({ tokens: frame.tokens, raw: request, text: request.toString('latin1') });
    this.#send(socket, `response|${frame.msgId}|OK|application|${request.length}|udp|127.0.0.1|${this.#sipPort}|${Date.now()}|${txnId}|${dialog.dialogId}`, request);
    const port = Number(target?.[2] ?? 5060);
    const host = target?.[1] ?? '127.0.0.1';
    const resend = setInterval(() => this.#sip?.send(request, port, host), 500);
    const giveUp = setTimeout(() => {
      clearInterval(resend);
      this.#outgoing.delete(branch);
    }, 32_000);
    this.#outgoing.set(branch, (response) => {
      const status = Number(/^SIP\/2\.0 (\d{3})/.exec(response.toString('latin1'))?.[1] ?? 0);
      if (status < 200) return;
      clearInterval(resend);
      clearTimeout(giveUp);
      this.#outgoing.delete(branch);
      if (method === 'BYE') this.dialogs.delete(dialog.dialogId);
      this.#send(socket, `sip|network|${response.length}|udp|${host}|${port}|${Date.now()}|${txnId}|${dialog.dialogId}`, response);
    });
    this.#sip?.send(request, port, host);
  }

  async close(): Promise<void> {
    this.#sip?.close();
    this.#sip = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  /** drachtio-server's reason for refusing `raw` itself, or undefined when it passes it on. */
  #refusalOf(raw: Buffer): string | undefined {
    if (this.#limits === null) return undefined;
    const bodyStart = raw.indexOf('\r\n\r\n');
    const nul = bodyStart === -1 ? -1 : raw.indexOf(DRACHTIO_REFUSED_BODY_BYTE, bodyStart + 4);
    if (this.#limits.refuseNulInBody && nul !== -1) return `message truncated at ${nul}`;
    if (raw.length > this.#limits.maxMessageBytes) return `message truncated at ${this.#limits.maxMessageBytes}`;
    return undefined;
  }

  /** The newest authenticated app connection that takes `method`, as drachtio-server picks one. */
  #appFor(method: string): net.Socket | undefined {
    const candidates = [...this.#apps].filter(([, app]) => app.outbound || app.routes.has(method));
    return candidates.at(-1)?.[0];
  }

  #attach(socket: net.Socket, outbound = false): void {
    this.#sockets.add(socket);
    if (outbound) this.#outbound.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      if (this.#authenticated === socket) this.#authenticated = undefined;
      this.#apps.delete(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let hash = buffer.indexOf('#'); hash > 0; hash = buffer.indexOf('#')) {
        const size = Number(buffer.toString('latin1', 0, hash));
        if (buffer.length < hash + 1 + size) return;
        const payload = buffer.subarray(hash + 1, hash + 1 + size);
        buffer = buffer.subarray(hash + 1 + size);
        this.#onFrame(socket, payload);
      }
    });
  }

  #send(socket: net.Socket, leader: string, sip?: Buffer): string {
    const msgId = randomUUID();
    const head = Buffer.from(`${msgId}|${leader}${sip ? CRLF : ''}`, 'latin1');
    const payload = sip ? Buffer.concat([head, sip]) : head;
    socket.write(Buffer.concat([Buffer.from(`${payload.length}#`, 'latin1'), payload]));
    return msgId;
  }

  #onFrame(socket: net.Socket, payload: Buffer): void {
    const crlf = payload.indexOf(CRLF);
    const leader = payload.toString('latin1', 0, crlf === -1 ? payload.length : crlf);
    const sip = crlf === -1 ? Buffer.alloc(0) : payload.subarray(crlf + 2);
    const [msgId = '', type = '', ...tokens] = leader.split('|');
    const frame: Frame = { msgId, type, tokens, sip };
    this.received.push(frame);
    switch (type) {
      case 'authenticate': {
        const ok = tokens[0] === this.#secret;
        this.#send(socket, ok ? `response|${msgId}|OK|udp/127.0.0.1:5060|v0.9.3-double|udp/127.0.0.1:5060` : `response|${msgId}|NOK|invalid secret`);
        if (ok) {
          this.authentications++;
          this.#authenticated = socket;
          this.#apps.set(socket, { outbound: this.#outbound.has(socket), routes: new Set() });
          // Let srf send its route frames before a test injects traffic.
          setTimeout(() => {
            const waiters = this.#authWaiters;
            this.#authWaiters = [];
            for (const resolve of waiters) resolve();
          }, 50);
        }
        break;
      }
      case 'route':
        this.routes.add((tokens[0] ?? '').toUpperCase());
        this.#apps.get(socket)?.routes.add((tokens[0] ?? '').toUpperCase());
        this.#send(socket, `response|${msgId}|OK`);
        break;
      case 'ping':
        this.#send(socket, `response|${msgId}|OK`);
        break;
      case 'sip':
        this.#onSip(socket, frame);
        break;
      default:
        this.#send(socket, `response|${msgId}|NOK|unsupported in double: ${type}`);
    }
  }

  /**
   * What the real server puts on the wire for a message the app sends: it builds it with
   * SIPTAG_PAYLOAD_STR(body.c_str()), so the body ends at its first NUL (and sofia writes the
   * Content-Length of what is left).
   */
  #asSent(sip: Buffer): Buffer {
    const headerEnd = sip.indexOf(CRLF + CRLF);
    if (this.#limits === null || headerEnd === -1) return sip;
    const body = sip.subarray(headerEnd + 4);
    const nul = body.indexOf(DRACHTIO_REFUSED_BODY_BYTE);
    if (nul === -1) return sip;
    const head = sip.toString('latin1', 0, headerEnd).replace(/^(Content-Length|l)\s*:.*$/im, `Content-Length: ${nul}`);
    return Buffer.concat([Buffer.from(head + CRLF + CRLF, 'latin1'), body.subarray(0, nul)]);
  }

  #onSip(socket: net.Socket, frame: Frame): void {
    const [txnId = '', dialogId = ''] = frame.tokens;
    if (txnId !== '') {
      // The app's response to a request the double injected.
      const injected = this.#injected.get(txnId);
      const finished = injected === undefined ? { sent: frame.sip, dialogId } : this.#finishAnswer(socket, injected, frame.sip);
      const onWire = this.#asSent(finished.sent);
      const captured: CapturedSip = { tokens: frame.tokens, raw: onWire, text: onWire.toString('latin1') };
      this.#send(socket, `response|${frame.msgId}|OK|application|${finished.sent.length}|udp|127.0.0.1|5062|${Date.now()}|${txnId}|${finished.dialogId || dialogId}`, finished.sent);
      if (/^SIP\/2\.0 [2-6]/.test(captured.text)) this.#injected.delete(txnId);
      this.#waiters.get(txnId)?.(captured);
      this.#waiters.delete(txnId);
      return;
    }
    if (dialogId !== '') {
      const dialog = this.dialogs.get(dialogId);
      if (dialog === undefined || this.#sip === undefined) {
        this.#send(socket, `response|${frame.msgId}|NOK|unable to find dialog for dialog id provided`);
        return;
      }
      this.#sendInDialog(socket, frame, dialog);
      return;
    }
    const onWire = this.#asSent(frame.sip);
    const captured: CapturedSip = { tokens: frame.tokens, raw: onWire, text: onWire.toString('latin1') };
    // A request the app originates: "send" it (add a Via as the stack would) and answer it.
    const newTxnId = randomUUID();
    const sent = Buffer.concat([
      Buffer.from(captured.text.replace(CRLF, `${CRLF}Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK${newTxnId.slice(0, 8)}${CRLF}`).split(CRLF + CRLF)[0] + CRLF + CRLF, 'latin1'),
      onWire.subarray(onWire.indexOf(CRLF + CRLF) + 4),
    ]);
    const sentCapture: CapturedSip = { tokens: frame.tokens, raw: sent, text: sent.toString('latin1') };
    const index = this.requests.push(sentCapture) - 1;
    this.#send(socket, `response|${frame.msgId}|OK|application|${sent.length}|udp|127.0.0.1|5080|${Date.now()}|${newTxnId}|`, sent);
    const scripted = this.script(sentCapture, index);
    setTimeout(() => this.#send(socket, `sip|network|0|udp|127.0.0.1|5080|${Date.now()}|${newTxnId}|`, this.#responseTo(sentCapture.text, scripted)), 10);
  }

  #responseTo(request: string, scripted: ScriptedResponse): Buffer {
    const body = scripted.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(scripted.body) ? scripted.body : Buffer.from(scripted.body, 'utf8');
    const to = headerOf(request, 'To') ?? '';
    const lines = [
      `SIP/2.0 ${scripted.status} ${scripted.reason}`,
      `Via: ${headerOf(request, 'Via') ?? ''}`,
      `From: ${headerOf(request, 'From') ?? ''}`,
      `To: ${/;tag=/.test(to) ? to : `${to};tag=far${scripted.status}`}`,
      `Call-ID: ${headerOf(request, 'Call-ID') ?? ''}`,
      `CSeq: ${headerOf(request, 'CSeq') ?? ''}`,
      ...Object.entries(scripted.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${body.length}`,
      '',
      '',
    ];
    return Buffer.concat([Buffer.from(lines.join(CRLF), 'latin1'), body]);
  }
}
