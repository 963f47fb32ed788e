/**
 * One MSRP session (RFC 4975): Herald's URI, the peer's path, the connection bound to it
 * (replaced when the peer reconnects within the grace period), chunk reassembly in, chunking
 * and transaction matching out.
 */
import type { Logger } from 'pino';
import { isHeraldError } from '../../../src/errors.js';
import type { MsrpSession, MsrpSessionEvents } from '../../../src/ports/msrp-endpoint.port.js';
import { parseByteRange, serializeByteRange } from './codec/byte-range.js';
import { chunksOf } from './codec/chunk.js';
import { msrpHeader, type MsrpFrame, type MsrpRequest, type MsrpResponse } from './codec/frame.js';
import type { SdpFingerprint } from './codec/fingerprint.js';
import type { PartialFrame } from './codec/parse-frame.js';
import { ChunkAssembler } from './codec/reassembly.js';
import { reportWishes, respondsWith, serializeReport } from './codec/reports.js';
import { newTransactionId, serializeRequest, serializeResponse } from './codec/serialize-frame.js';
import type { MsrpConnection } from './msrp-connection.js';
import { msrpError, msrpStatusOf } from './msrp-error.js';

export interface SessionOptions {
  readonly id: string;
  readonly localUri: string;
  readonly remotePath: readonly string[];
  readonly maxMessageBytes: number;
  /** How long a transaction waits for its response (RFC 4975 §7.1.1 suggests 30 s). */
  readonly transactionTimeoutMs: number;
  /** How long the session outlives a lost connection, waiting for the peer to reconnect. */
  readonly reconnectGraceMs: number;
  readonly log: Logger;
  readonly events: MsrpSessionEvents;
  readonly onEnded: (id: string) => void;
  /**
   * msrps with `a=fingerprint` in the offer (RFC 4975 §14.2): the peer's connection must
   * present a certificate matching one of these; undefined: no fingerprint check.
   */
  readonly peerFingerprints?: readonly SdpFingerprint[] | undefined;
  /** Negotiated as msrps (TCP/TLS/MSRP): only a TLS connection may carry it. */
  readonly secure: boolean;
}

const REASONS: Readonly<Record<number, string>> = { 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 408: 'Request Timeout', 413: 'Message Too Large', 415: 'Unsupported Media Type', 481: 'No Such Session', 501: 'Not Implemented' };

/** Message-IDs of refused messages remembered per session, to refuse their later chunks. */
const MAX_REFUSED_IDS = 256;

interface Pending {
  readonly resolve: (status: number) => void;
  readonly timer: NodeJS.Timeout;
}

export class MsrpSessionImpl implements MsrpSession {
  readonly id: string;
  readonly #options: SessionOptions;
  readonly #assembler: ChunkAssembler;
  readonly #pending = new Map<string, Pending>();
  #connection: MsrpConnection | undefined;
  #waiters: ((connection: MsrpConnection | undefined) => void)[] = [];
  #grace: NodeJS.Timeout | undefined;
  #ended = false;
  /** Messages whose reception failed: the rest of their chunks are refused (RFC 4975 §7.1.1). */
  readonly #refused = new Set<string>();

  constructor(options: SessionOptions) {
    this.id = options.id;
    this.#options = options;
    this.#assembler = new ChunkAssembler(options.maxMessageBytes);
    // Until the peer connects, the grace period is how long Herald waits for it.
    this.#armGrace();
  }

  get peerFingerprints(): readonly SdpFingerprint[] | undefined {
    return this.#options.peerFingerprints;
  }

  get secure(): boolean {
    return this.#options.secure;
  }

  ownsConnection(connection: MsrpConnection): boolean {
    return this.#connection === connection;
  }

  get connected(): boolean {
    return this.#connection?.isOpen === true;
  }

  /** Binds a connection (the first, or a new one after a drop). The old one is closed. */
  attach(connection: MsrpConnection): void {
    if (this.#connection !== undefined && this.#connection !== connection) this.#connection.close();
    this.#connection = connection;
    if (this.#grace !== undefined) clearTimeout(this.#grace);
    this.#grace = undefined;
    for (const wake of this.#waiters.splice(0)) wake(connection);
  }

  /** The bound connection closed: keep what came of an interrupted chunk, wait for a reconnect. */
  detached(connection: MsrpConnection, partial: PartialFrame | undefined): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    if (partial !== undefined && partial.method === 'SEND' && partial.bodySoFar.length > 0) this.#keepInterrupted(partial);
    if (!this.#ended) this.#armGrace();
  }

  frame(frame: MsrpFrame, connection: MsrpConnection): void {
    if (frame.kind === 'response') return this.#onResponse(frame);
    if (frame.method === 'SEND') {
      void this.#onSend(frame, connection);
      return;
    }
    if (frame.method === 'REPORT') {
      this.#options.log.debug({ sessionId: this.id, status: msrpHeader(frame, 'Status'), messageId: msrpHeader(frame, 'Message-ID') }, 'MSRP REPORT received');
      return;
    }
    // RFC 4975 §7.2: unknown methods get 501.
    void this.#respond(frame, connection, 501);
  }

  async send(contentType: string, body: Buffer): Promise<void> {
    const messageId = newTransactionId();
    for (const chunk of chunksOf(body)) {
      const connection = await this.#connected();
      const transactionId = newTransactionId();
      const bytes = serializeRequest({
        transactionId,
        method: 'SEND',
        toPath: this.#options.remotePath,
        fromPath: [this.#options.localUri],
        headers: [
          { name: 'Message-ID', value: messageId },
          { name: 'Byte-Range', value: serializeByteRange(chunk.range) },
        ],
        contentType,
        body: chunk.body,
        flag: chunk.flag,
      });
      const answered = this.#await(transactionId);
      await connection.write(bytes).catch((err: unknown) => {
        throw msrpError('GW_ERR_MSRP_SEND_FAILED', 'write failed', { sessionId: this.id, cause: err });
      });
      const status = await answered;
      if (status !== 200) throw msrpError('GW_ERR_MSRP_SEND_FAILED', `peer answered ${status}`, { status, sessionId: this.id });
    }
  }

  async close(reason: string): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#grace !== undefined) clearTimeout(this.#grace);
    for (const [, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.resolve(481);
    }
    this.#pending.clear();
    for (const wake of this.#waiters.splice(0)) wake(undefined);
    this.#connection?.close();
    this.#connection = undefined;
    this.#options.onEnded(this.id);
    this.#options.events.closed(reason);
  }

  #armGrace(): void {
    if (this.#grace !== undefined) clearTimeout(this.#grace);
    this.#grace = setTimeout(() => void this.close('no connection'), this.#options.reconnectGraceMs);
    this.#grace.unref();
  }

  /** The bound connection, waiting up to the transaction timeout for one. */
  #connected(): Promise<MsrpConnection> {
    const current = this.#connection;
    if (current?.isOpen === true) return Promise.resolve(current);
    if (this.#ended) return Promise.reject(msrpError('GW_ERR_MSRP_SEND_FAILED', 'session ended', { sessionId: this.id }));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(msrpError('GW_ERR_MSRP_SEND_FAILED', 'no connection', { sessionId: this.id })), this.#options.transactionTimeoutMs);
      this.#waiters.push((connection) => {
        clearTimeout(timer);
        if (connection === undefined) reject(msrpError('GW_ERR_MSRP_SEND_FAILED', 'session ended', { sessionId: this.id }));
        else resolve(connection);
      });
    });
  }

  #await(transactionId: string): Promise<number> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(transactionId);
        resolve(408);
      }, this.#options.transactionTimeoutMs);
      timer.unref();
      this.#pending.set(transactionId, { resolve, timer });
    });
  }

  #onResponse(frame: MsrpResponse): void {
    const pending = this.#pending.get(frame.transactionId);
    if (pending === undefined) return;
    this.#pending.delete(frame.transactionId);
    clearTimeout(pending.timer);
    pending.resolve(frame.status);
  }

  async #onSend(frame: MsrpRequest, connection: MsrpConnection): Promise<void> {
    const messageId = msrpHeader(frame, 'Message-ID');
    // A SEND without body binds the connection (RFC 4975 §7.1.1 active side); nothing to deliver.
    if (frame.body === undefined) return this.#respond(frame, connection, 200);
    if (messageId === undefined) return this.#respond(frame, connection, 400);
    if (this.#refused.has(messageId)) return this.#respond(frame, connection, 413);
    let outcome;
    try {
      outcome = this.#assembler.add({ messageId, range: parseByteRange(msrpHeader(frame, 'Byte-Range')), body: frame.body, flag: frame.flag });
    } catch (err) {
      const status = msrpStatusOf(isHeraldError(err) ? err.code : '');
      if (status === 413) {
        // Bounded: a peer that keeps sending oversized messages cannot grow this without end.
        if (this.#refused.size >= MAX_REFUSED_IDS) this.#refused.clear();
        this.#refused.add(messageId);
      }
      this.#options.log.info({ sessionId: this.id, messageId, status }, 'MSRP chunk refused');
      return this.#respond(frame, connection, status);
    }
    if (outcome.kind !== 'complete') return this.#respond(frame, connection, 200);
    const contentType = msrpHeader(frame, 'Content-Type') ?? 'text/plain';
    let verdict;
    try {
      verdict = await this.#options.events.message({ messageId, contentType, body: outcome.message });
    } catch (err) {
      this.#options.log.error({ err, sessionId: this.id, messageId }, 'session message handler failed');
      verdict = { status: 403, comment: 'Forbidden' };
    }
    await this.#respond(frame, connection, verdict.status, verdict.comment);
    const wishes = reportWishes(frame);
    if (verdict.status === 200 && wishes.success) {
      // RFC 4975 §7.1.2: the success REPORT covers the whole message.
      await this.#write(connection, serializeReport({
        transactionId: newTransactionId(),
        toPath: this.#fromPathOf(frame),
        fromPath: [this.#options.localUri],
        messageId,
        range: { start: 1, end: outcome.message.length, total: outcome.message.length },
        status: 200,
        comment: 'OK',
      }));
    }
  }

  /** RFC 4975 §7.2: the response goes to the previous hop only, the request's first From-Path URI. */
  #fromPathOf(frame: MsrpRequest): string[] {
    return (msrpHeader(frame, 'From-Path') ?? '').split(' ').filter((u) => u !== '');
  }

  async #respond(frame: MsrpRequest, connection: MsrpConnection, status: number, comment?: string): Promise<void> {
    if (frame.method === 'SEND' && !respondsWith(reportWishes(frame), status)) return;
    const toPath = this.#fromPathOf(frame).slice(0, 1);
    await this.#write(connection, serializeResponse({ transactionId: frame.transactionId, status, comment: comment ?? REASONS[status] ?? 'Error', toPath, fromPath: [this.#options.localUri] }));
  }

  async #write(connection: MsrpConnection, bytes: Buffer): Promise<void> {
    await connection.write(bytes).catch((err: unknown) => this.#options.log.debug({ err, sessionId: this.id }, 'MSRP write failed'));
  }

  #keepInterrupted(partial: PartialFrame): void {
    const messageId = msrpHeader(partial, 'Message-ID');
    if (messageId === undefined) return;
    try {
      const range = parseByteRange(msrpHeader(partial, 'Byte-Range'));
      const end = range.start + partial.bodySoFar.length - 1;
      // RFC 4975 §7.1.1: the bytes that came are kept as a chunk of their own; the sender resends the rest.
      this.#assembler.add({ messageId, range: { start: range.start, end, total: range.total }, body: partial.bodySoFar, flag: '+' });
      this.#options.log.info({ sessionId: this.id, messageId, bytes: partial.bodySoFar.length }, 'MSRP chunk interrupted; kept what came');
    } catch {
      this.#assembler.drop(messageId);
    }
  }
}
