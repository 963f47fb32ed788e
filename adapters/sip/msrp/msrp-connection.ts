/**
 * One MSRP TCP connection: frames in (the codec's reader over a bounded buffer), bytes
 * out. Every callback is guarded: a throw while handling input closes this connection,
 * never the process. Limits: a chunk is bounded by the codec (limits.ts), a connection
 * that sends nothing for `idleMs` is closed, and so is one whose first frame is slow.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { isHeraldError } from '../../../src/errors.js';
import type { MsrpFrame } from './codec/frame.js';
import { readFrame, type PartialFrame } from './codec/parse-frame.js';

export interface ConnectionHandlers {
  frame(frame: MsrpFrame, connection: MsrpConnection): void;
  /** The head of a SEND whose body is still coming: enough to bind the connection to its session. */
  head?(partial: PartialFrame, connection: MsrpConnection): void;
  /** The stream broke (unreadable bytes, over a limit): answered where possible, then closed. */
  refused(code: string, connection: MsrpConnection): void;
  /** The connection closed; `partial` is a SEND it was in the middle of, if any. */
  closed(connection: MsrpConnection, partial: PartialFrame | undefined): void;
}

export class MsrpConnection {
  readonly #socket: net.Socket;
  readonly #log: Logger;
  readonly #maxChunkBytes: number;
  #handlers: ConnectionHandlers;
  #buffer: Buffer = Buffer.alloc(0);
  #partial: PartialFrame | undefined;
  #closed = false;
  readonly #peerCertificate: Buffer | undefined;
  readonly peer: string;

  /**
   * `peerCertificate`: what the TLS peer presented, read at the handshake by whoever opened
   * the socket; unset, it is read from the socket now (an accepted one keeps it).
   */
  constructor(socket: net.Socket, options: { log: Logger; maxChunkBytes: number; idleMs: number; handlers: ConnectionHandlers; peerCertificate?: Buffer | undefined }) {
    this.#socket = socket;
    this.#peerCertificate = options.peerCertificate ?? (socket instanceof tls.TLSSocket ? socket.getPeerX509Certificate()?.raw : undefined);
    this.#log = options.log;
    this.#maxChunkBytes = options.maxChunkBytes;
    this.#handlers = options.handlers;
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    socket.on('error', (err) => this.#log.debug({ err: err.message, peer: this.peer }, 'MSRP connection error'));
    socket.setTimeout(options.idleMs, () => {
      this.#log.info({ peer: this.peer }, 'MSRP connection idle; closing');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.once('close', () => {
      this.#closed = true;
      this.#guard(() => this.#handlers.closed(this, this.#partial));
    });
  }

  /** Hands this connection's frames to other handlers (once bound to its session). */
  rebind(handlers: ConnectionHandlers): void {
    this.#handlers = handlers;
  }

  get isOpen(): boolean {
    return !this.#closed && this.#socket.writable;
  }

  write(bytes: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(new Error('MSRP connection closed'));
    return new Promise((resolve, reject) => this.#socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  /** The certificate the peer presented over TLS (DER), for the a=fingerprint check; undefined over TCP or without one. */
  /** Whether it runs over TLS (the msrps listener, or Herald's own msrps connection). */
  get secure(): boolean {
    return this.#socket instanceof tls.TLSSocket;
  }

  peerCertificate(): Buffer | undefined {
    return this.#peerCertificate;
  }

  close(): void {
    // Marked at once, not at the 'close' event: frames already buffered are not handed on.
    this.#closed = true;
    this.#socket.destroy();
  }

  #guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.#log.error({ err, peer: this.peer }, 'MSRP input dropped after an internal error; closing');
      this.#socket.destroy();
    }
  }

  #onData(chunk: Buffer): void {
    this.#guard(() => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length > 0 && !this.#closed) {
        let result;
        try {
          result = readFrame(this.#buffer, { maxChunkBytes: this.#maxChunkBytes });
        } catch (err) {
          // The stream cannot be framed past this point: say why, then close.
          this.#buffer = Buffer.alloc(0);
          this.#partial = undefined;
          this.#handlers.refused(isHeraldError(err) ? err.code : 'GW_ERR_MSRP_MALFORMED', this);
          this.#socket.end();
          this.#socket.setTimeout(1_000, () => this.#socket.destroy());
          return;
        }
        if (result.kind === 'incomplete') {
          if (result.partial !== undefined && this.#partial === undefined) this.#handlers.head?.(result.partial, this);
          this.#partial = result.partial;
          return;
        }
        this.#partial = undefined;
        this.#buffer = this.#buffer.subarray(result.consumed);
        this.#handlers.frame(result.frame, this);
      }
    });
  }
}
