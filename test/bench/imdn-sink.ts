/**
 * The IM user's UAS: receives the gateway's IMDN MESSAGEs on a raw UDP socket, answers
 * 200 at once (before anything else, so the gateway never retransmits for our sake), and
 * records which message each one is about from the IMDN's <message-id>.
 */
import { createSocket, type Socket } from 'node:dgram';
import { nowMs } from './clock.js';
import type { ImdnOutcome, MessageLog } from './message-log.js';
import { seqOfImdnId } from './scenarios.js';
import { parseWire, responseTo, statusOf } from './sip-wire.js';

const SOCKET_BUFFER = 4 << 20;

export class ImdnSink {
  readonly #socket: Socket;
  readonly #runId: string;
  readonly #log: MessageLog;
  readonly #onImdn: (seq: number) => void;
  /** IMDNs by notification (delivery/delivered, delivery/failed, …), repeats included. */
  readonly kinds = new Map<string, number>();
  repeats = 0;
  unknown = 0;

  constructor(runId: string, log: MessageLog, onImdn: (seq: number) => void) {
    this.#runId = runId;
    this.#log = log;
    this.#onImdn = onImdn;
    this.#socket = createSocket({ type: 'udp4', recvBufferSize: SOCKET_BUFFER, sendBufferSize: SOCKET_BUFFER });
    this.#socket.on('message', (datagram, remote) => {
      const request = parseWire(datagram);
      if (request === undefined || statusOf(request) !== undefined) return;
      this.#socket.send(responseTo(request, 200, 'OK', 'sink'), remote.port, remote.address);
      if (request.startLine.startsWith('MESSAGE ')) this.#record(request.body);
    });
  }

  async bind(): Promise<number> {
    await new Promise<void>((resolve) => this.#socket.bind(0, '127.0.0.1', resolve));
    return this.#socket.address().port;
  }

  close(): void {
    this.#socket.close();
  }

  #record(body: string): void {
    const imdnId = /<message-id>([^<]+)<\/message-id>/.exec(body)?.[1];
    const type = /<(delivery|display|processing|interworking)-notification>/.exec(body)?.[1] ?? 'unknown';
    const status = /<status>\s*<([A-Za-z-]+)/.exec(body)?.[1] ?? 'unknown';
    const kind = `${type}/${status}`;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    const seq = imdnId === undefined ? undefined : seqOfImdnId(this.#runId, imdnId);
    if (seq === undefined || type !== 'delivery') {
      this.unknown++;
      return;
    }
    const outcome: ImdnOutcome = status === 'delivered' ? 'delivered' : status === 'failed' ? 'failed' : 'other';
    if (this.#log.recordImdn(seq, nowMs(), outcome)) this.#onImdn(seq);
    else this.repeats++;
  }
}
