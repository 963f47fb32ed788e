/**
 * The standalone edge's sockets: one UDP socket and one TCP server on the same port, plus
 * the TCP connections Herald opens to send. Every callback from a socket is wrapped: a throw
 * while handling one datagram or chunk is counted and that input dropped (the connection
 * closed), never left to reach the event loop.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import type { SipTransport } from '../../../src/ports/sip-edge.port.js';
import type { DropReason, SipEdgeObserver } from '../shared/edge-observer.js';
import { MAX_DATAGRAM_BYTES } from '../shared/limits.js';
import { headerSectionEnd, parseHead, type HeadResult, type WireHeader } from '../shared/wire-parser.js';
import { StreamFramer } from './stream-framer.js';
import { traceWire } from './wire-trace.js';

export interface InboundSource {
  readonly address: string;
  readonly port: number;
  readonly transport: SipTransport;
}

/** What the transport hands up: a parsed header section and its body bytes. */
export interface Inbound {
  readonly head: HeadResult;
  readonly body: Buffer;
  readonly source: InboundSource;
  /** Sends bytes back the way the message came (same socket, the source address). */
  readonly reply: (bytes: Buffer) => void;
}

/** A stream that cannot be framed any further: answer it (if possible) and close. */
export interface StreamRefusal {
  readonly status: number;
  readonly detail: string;
  readonly headers: readonly WireHeader[];
  readonly source: InboundSource;
  readonly reply: (bytes: Buffer) => void;
}

export interface TransportOptions {
  readonly host: string;
  readonly port: number;
  readonly udp: boolean;
  readonly tcp: boolean;
  readonly maxBodyBytes: number;
  /** From a message's first byte to its last (header section and body) over TCP. */
  readonly tcpHeaderTimeoutMs: number;
  /** Open inbound TCP connections per source address. */
  readonly tcpMaxConnectionsPerSource: number;
  /** An inbound TCP connection with nothing in flight is closed after this long. */
  readonly tcpIdleTimeoutMs: number;
  readonly log: Logger;
  readonly observer: SipEdgeObserver;
  readonly onInbound: (inbound: Inbound) => void;
  readonly onRefusal: (refusal: StreamRefusal) => void;
}

function listen(handle: dgram.Socket | net.Server, bind: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    handle.once('error', onError);
    handle.once('listening', () => {
      handle.off('error', onError);
      resolve();
    });
    bind();
  });
}

export class SipSockets {
  readonly #options: TransportOptions;
  #udp: dgram.Socket | undefined;
  #server: net.Server | undefined;
  readonly #perSource = new Map<string, number>();
  /** Connections Herald opened to send, by `address port`; responses come back on them. */
  readonly #outgoing = new Map<string, Promise<net.Socket>>();
  readonly #sockets = new Set<net.Socket>();

  constructor(options: TransportOptions) {
    this.#options = options;
  }

  async listen(): Promise<void> {
    const { host, port } = this.#options;
    if (this.#options.udp) {
      const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
      this.#udp = udp;
      udp.on('message', (msg, rinfo) => this.#onDatagram(msg, rinfo));
      await listen(udp, () => udp.bind(port, host));
      udp.on('error', (err) => this.#options.log.warn({ err }, 'SIP UDP socket error'));
    }
    if (this.#options.tcp) {
      const server = net.createServer((socket) => this.#guard('tcp', () => this.#onConnection(socket)));
      this.#server = server;
      await listen(server, () => server.listen(port, host));
      server.on('error', (err) => this.#options.log.warn({ err }, 'SIP TCP server error'));
    }
  }

  /** Runs `work`; a throw is counted and logged, never propagated to the event loop. */
  #guard(where: string, work: () => void): boolean {
    try {
      work();
      return true;
    } catch (err) {
      this.#options.observer.dropped('internal-error');
      this.#options.log.error({ err, where }, 'SIP input dropped after an internal error');
      return false;
    }
  }

  #drop(reason: DropReason, source: { address: string; port: number }): void {
    this.#options.observer.dropped(reason);
    this.#options.log.debug({ reason, source: `${source.address}:${source.port}` }, 'SIP input dropped');
  }

  #onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.#guard('udp', () => {
      // Limits before parsing: a datagram is bounded by UDP itself, a header section here.
      if (msg.length > MAX_DATAGRAM_BYTES) return this.#drop('too-large', rinfo);
      traceWire(this.#options.log, 'SIP received', msg, `udp ${rinfo.address}:${rinfo.port}`);
      const end = headerSectionEnd(msg);
      if (end === -1) return this.#drop('no-header-end', rinfo);
      const source: InboundSource = { address: rinfo.address, port: rinfo.port, transport: 'udp' };
      const udp = this.#udp;
      const reply = (bytes: Buffer): void => {
        // Symmetric response (RFC 3581 behaviour for every client): to where it came from.
        // Also called from timers and promise callbacks (100 Trying, the final answer), where a
        // throw would reach the event loop: a spoofed source port 0 makes send() throw.
        this.#guard('udp-send', () => {
          traceWire(this.#options.log, 'SIP sent', bytes, `udp ${rinfo.address}:${rinfo.port}`);
          udp?.send(bytes, rinfo.port, rinfo.address, (err) => {
            if (err) this.#options.log.debug({ err }, 'SIP UDP send failed');
          });
        });
      };
      this.#options.onInbound({ head: parseHead(msg.subarray(0, end)), body: msg.subarray(end + 4), source, reply });
    });
  }

  #onConnection(socket: net.Socket): void {
    const address = socket.remoteAddress ?? '';
    const count = this.#perSource.get(address) ?? 0;
    socket.on('error', () => undefined);
    if (count >= this.#options.tcpMaxConnectionsPerSource) {
      this.#drop('tcp-connection-cap', { address, port: socket.remotePort ?? 0 });
      socket.destroy();
      return;
    }
    this.#perSource.set(address, count + 1);
    socket.once('close', () => {
      const left = (this.#perSource.get(address) ?? 1) - 1;
      if (left <= 0) this.#perSource.delete(address);
      else this.#perSource.set(address, left);
    });
    this.#attach(socket, 'inbound');
  }

  /** Frames a TCP stream into messages, with the header deadline and idle timeout. */
  #attach(socket: net.Socket, direction: 'inbound' | 'outbound'): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    const framer = new StreamFramer(this.#options.maxBodyBytes);
    const source: InboundSource = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' };
    const peer = `tcp ${source.address}:${source.port}`;
    const reply = (bytes: Buffer): void => {
      this.#guard('tcp-send', () => {
        traceWire(this.#options.log, 'SIP sent', bytes, peer);
        if (!socket.destroyed && socket.writable) socket.write(bytes);
      });
    };
    let deadline: NodeJS.Timeout | undefined;
    const armDeadline = (): void => {
      if (framer.midMessage && deadline === undefined) {
        deadline = setTimeout(() => {
          this.#drop('tcp-header-timeout', source);
          socket.destroy();
        }, this.#options.tcpHeaderTimeoutMs);
      } else if (!framer.midMessage && deadline !== undefined) {
        clearTimeout(deadline);
        deadline = undefined;
      }
    };
    socket.once('close', () => clearTimeout(deadline));
    if (direction === 'inbound') {
      socket.setTimeout(this.#options.tcpIdleTimeoutMs, () => {
        if (!framer.midMessage) socket.destroy();
      });
    }
    socket.on('data', (chunk: Buffer) => {
      const ok = this.#guard('tcp', () => {
        traceWire(this.#options.log, 'SIP received', chunk, peer);
        for (const event of framer.push(chunk)) {
          if (event.kind === 'message') this.#options.onInbound({ head: event.head, body: event.body, source, reply });
          else {
            this.#options.observer.dropped('tcp-unframeable');
            this.#options.onRefusal({ status: event.status, detail: event.detail, headers: event.headers, source, reply });
            socket.end();
            socket.setTimeout(1_000, () => socket.destroy());
            return;
          }
        }
        armDeadline();
      });
      if (!ok) socket.destroy();
    });
  }

  sendUdp(bytes: Buffer, address: string, port: number): Promise<void> {
    const udp = this.#udp;
    if (udp === undefined) return Promise.reject(new Error('UDP is not enabled on this edge'));
    traceWire(this.#options.log, 'SIP sent', bytes, `udp ${address}:${port}`);
    return new Promise((resolve, reject) => udp.send(bytes, port, address, (err) => (err ? reject(err) : resolve())));
  }

  /** Writes `bytes` on Herald's connection to address:port, opening it when needed. */
  async sendTcp(bytes: Buffer, address: string, port: number): Promise<void> {
    const key = `${address} ${port}`;
    let connecting = this.#outgoing.get(key);
    if (connecting === undefined) {
      connecting = new Promise<net.Socket>((resolve, reject) => {
        const socket = net.connect({ host: address, port });
        socket.once('connect', () => {
          socket.off('error', reject);
          socket.on('error', () => undefined);
          this.#attach(socket, 'outbound');
          resolve(socket);
        });
        socket.once('error', reject);
        socket.once('close', () => this.#outgoing.delete(key));
      });
      this.#outgoing.set(key, connecting);
      connecting.catch(() => this.#outgoing.delete(key));
    }
    const socket = await connecting;
    traceWire(this.#options.log, 'SIP sent', bytes, `tcp ${address}:${port}`);
    await new Promise<void>((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    const udp = this.#udp;
    const server = this.#server;
    this.#udp = undefined;
    this.#server = undefined;
    await Promise.all([
      udp === undefined ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
      server === undefined ? undefined : new Promise<void>((resolve) => server.close(() => resolve())),
    ]);
  }
}
