/**
 * The SIP load generator: a UAC on one raw UDP socket sending CPIM MESSAGEs that ask for
 * positive-delivery and negative-delivery IMDNs, at a fixed rate or as fast as possible
 * with a cap on open round trips. It retransmits like a UDP UAC must (RFC 3261 §17.1.2.2:
 * Timer E from T1 = 500 ms doubling to T2 = 4 s, Timer F = 32 s), so a datagram dropped by
 * a full socket buffer is a retransmission in the report, not a lost message.
 */
import { createSocket, type Socket } from 'node:dgram';
import { nowMs } from './clock.js';
import type { MessageLog } from './message-log.js';
import { imdnIdFor, numberFor, type Scenario } from './scenarios.js';
import { formatMessage, headerOf, parseWire, statusOf } from './sip-wire.js';

const T1_MS = 500;
const T2_MS = 4_000;
const TIMER_F_MS = 32_000;
const TICK_MS = 2;
const RETRANSMIT_SCAN_MS = 50;
const SOCKET_BUFFER = 4 << 20;
/** Distinct senders the messages rotate over (10/s each at 10,000 messages/s). */
const SENDERS = 1000;
const SLOW_START_OPEN = 20;
const SLOW_START_S = 5;

export interface LoadOptions {
  readonly scenario: Scenario;
  readonly runId: string;
  readonly gatewayPort: number;
  /** Where IMDNs should go (put in the CPIM From). */
  readonly sinkPort: number;
  /** Messages per second, or 'max'. */
  readonly rate: number | 'max';
  /** Round trips open at once (sent, no IMDN or failure yet); sending pauses at the cap. */
  readonly maxOpen: number;
  /** false: only the 202 closes a round trip (the peers-alone baseline has no IMDNs). */
  readonly waitForImdn: boolean;
  readonly log: MessageLog;
}

interface Pending {
  readonly seq: number;
  readonly datagram: Buffer;
  nextAt: number;
  interval: number;
}

export class LoadGenerator {
  readonly #options: LoadOptions;
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  #open = 0;
  #startedAt = 0;
  #sending = false;
  #tick: NodeJS.Timeout | undefined;
  #scan: NodeJS.Timeout | undefined;
  /** Final responses by status, and failures of the generator itself. */
  readonly statuses = new Map<number, number>();
  timeouts = 0;
  capStalls = 0;

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#socket = createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER });
    this.#socket.on('message', (datagram) => this.#onResponse(datagram));
  }

  async bind(): Promise<void> {
    await new Promise<void>((resolve) => this.#socket.bind(0, '127.0.0.1', resolve));
  }

  get open(): number {
    return this.#open;
  }

  get startedAt(): number {
    return this.#startedAt;
  }

  start(): void {
    this.#startedAt = nowMs();
    this.#sending = true;
    this.#tick = setInterval(() => this.#pump(), TICK_MS);
    this.#scan = setInterval(() => this.#retransmit(), RETRANSMIT_SCAN_MS);
  }

  /** Stops sending new messages; retransmissions of those sent go on until close(). */
  stopSending(): void {
    this.#sending = false;
    if (this.#tick !== undefined) clearInterval(this.#tick);
  }

  /** Closes a round trip (IMDN received): makes room under the cap. */
  roundTripDone(): void {
    this.#open = Math.max(0, this.#open - 1);
    if (this.#options.rate === 'max') this.#pump();
  }

  close(): void {
    this.stopSending();
    if (this.#scan !== undefined) clearInterval(this.#scan);
    this.#socket.close();
  }

  #pump(): void {
    if (!this.#sending) return;
    const { rate, maxOpen, log } = this.#options;
    const due = rate === 'max' ? Number.POSITIVE_INFINITY : Math.floor(((nowMs() - this.#startedAt) * rate) / 1000);
    // Slow start: a closed loop opening all maxOpen round trips in the first millisecond
    // measures a burst, not a rate; the cap grows to maxOpen over the first seconds.
    const elapsedS = (nowMs() - this.#startedAt) / 1000;
    const cap = Math.min(maxOpen, Math.max(SLOW_START_OPEN, (maxOpen * elapsedS) / SLOW_START_S));
    while (log.sent < due && log.sent < log.capacity) {
      if (this.#open >= cap) {
        this.capStalls++;
        return;
      }
      this.#send(log.sent + 1);
    }
  }

  #send(seq: number): void {
    const { scenario, runId, gatewayPort, sinkPort, log } = this.#options;
    const number = numberFor(seq);
    // Many IM users, as a carrier has: one sender would meet the per-sender abuse limit
    // (abuse.senderPerMinute) long before the gateway's capacity.
    const me = `sip:u${seq % SENDERS}@127.0.0.1:${sinkPort}`;
    const cpim = [
      `From: <${me}>`,
      `To: <sip:${number}@127.0.0.1>`,
      `DateTime: ${new Date().toISOString()}`,
      'NS: imdn <urn:ietf:params:imdn>',
      `imdn.Message-ID: ${imdnIdFor(runId, seq)}`,
      'imdn.Disposition-Notification: positive-delivery, negative-delivery',
      '',
      'Content-Type: text/plain;charset=UTF-8',
      '',
      scenario.text(seq),
    ].join('\r\n');
    const datagram = formatMessage({
      requestUri: `sip:${number}@127.0.0.1:${gatewayPort}`,
      from: me,
      to: `sip:${number}@127.0.0.1`,
      callId: `${seq}.${runId}@bench`,
      branch: `z9hG4bK${runId}x${seq}`,
      via: `127.0.0.1:${this.#socket.address().port}`,
      contentType: 'message/cpim',
      body: Buffer.from(cpim, 'utf8'),
    });
    const at = nowMs();
    log.sent = seq;
    log.sentAt[seq] = at;
    this.#open++;
    this.#pending.set(seq, { seq, datagram, nextAt: at + T1_MS, interval: T1_MS });
    this.#socket.send(datagram, gatewayPort, '127.0.0.1');
  }

  #onResponse(datagram: Buffer): void {
    const response = parseWire(datagram);
    if (response === undefined) return;
    const status = statusOf(response);
    if (status === undefined || status < 200) return;
    const callId = headerOf(response, 'call-id') ?? '';
    const seq = Number(callId.slice(0, callId.indexOf('.')));
    const pending = this.#pending.get(seq);
    if (pending === undefined) return; // a retransmitted response
    this.#pending.delete(seq);
    const { log, waitForImdn } = this.#options;
    log.answeredAt[seq] = nowMs();
    log.status[seq] = status;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    // Only a 202 leads to an IMDN; anything else ends the round trip here.
    if (status !== 202 || !waitForImdn) this.roundTripDone();
  }

  #retransmit(): void {
    const now = nowMs();
    const { gatewayPort, log } = this.#options;
    for (const pending of this.#pending.values()) {
      if (now < pending.nextAt) continue;
      if (now - (log.sentAt[pending.seq] ?? now) >= TIMER_F_MS) {
        this.#pending.delete(pending.seq);
        log.status[pending.seq] = 408;
        this.timeouts++;
        this.roundTripDone();
        continue;
      }
      log.retransmits[pending.seq] = Math.min(255, (log.retransmits[pending.seq] ?? 0) + 1);
      pending.interval = Math.min(pending.interval * 2, T2_MS);
      pending.nextAt = now + pending.interval;
      this.#socket.send(pending.datagram, gatewayPort, '127.0.0.1');
    }
    if (this.#options.rate === 'max') this.#pump();
  }

  /** Messages sent and not answered yet. */
  get unanswered(): number {
    return this.#pending.size;
  }
}
