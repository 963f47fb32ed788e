/**
 * The bench's peers in a worker thread, so their work does not stall the load
 * generator's event loop (and distort its timestamps): the SMSC simulator, or, for the
 * peers-alone baseline, a trivial UAS answering every MESSAGE 202 at once.
 *
 * Events go to the main thread in batches (flat number arrays) every BATCH_MS: one
 * postMessage per event would cost more than the event.
 */
import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { SmscSimulator } from '../sim/smsc-sim.js';
import { nowMs } from './clock.js';
import { seqOfNumber } from './scenarios.js';
import { parseWire, responseTo, statusOf } from './sip-wire.js';

const BATCH_MS = 50;

export type PeerWorkerData =
  | { readonly mode: 'smsc'; readonly receiptDelayMs: number; readonly failureRatio: number }
  | { readonly mode: 'uas202' };

/** Worker → main thread. */
export type PeerWorkerMessage =
  | { readonly type: 'ready'; readonly port: number }
  /** submits: [seq, at, …]; receipts: [seq, at, failed 0|1, …]. */
  | { readonly type: 'events'; readonly submits: number[]; readonly receipts: number[] }
  | { readonly type: 'stopped'; readonly counters: Readonly<Record<string, number>> };

/** Main thread → worker. */
export type PeerWorkerCommand = { readonly type: 'stop' };

const port = parentPort;
if (port === null) throw new Error('peer-worker runs as a worker thread');
const data = workerData as PeerWorkerData;

async function runSmsc(options: Extract<PeerWorkerData, { mode: 'smsc' }>): Promise<void> {
  const sim = new SmscSimulator({
    accounts: [{ systemId: 'herald', password: 'secret' }],
    receipts: { delayMs: options.receiptDelayMs, failureRatio: options.failureRatio, failureStat: 'UNDELIV', errorCode: 27 },
  });
  let submits: number[] = [];
  let receipts: number[] = [];
  // Receipts name the SMSC id; the submit named the destination that carries the seq.
  const seqById = new Map<string, number>();
  sim.on('submit', (record) => {
    const seq = seqOfNumber(record.destination);
    if (seq === undefined) return;
    seqById.set(record.receiptMessageId, seq);
    submits.push(seq, nowMs());
  });
  sim.on('receipt', (record) => {
    const seq = seqById.get(record.messageId);
    if (seq === undefined) return;
    seqById.delete(record.messageId);
    receipts.push(seq, nowMs(), record.stat === 'DELIVRD' ? 0 : 1);
  });
  const listening = await sim.start();
  const flush = setInterval(() => {
    // The simulator keeps every record for tests; the bench needs none of them.
    sim.clearRecords();
    if (submits.length === 0 && receipts.length === 0) return;
    port?.postMessage({ type: 'events', submits, receipts } satisfies PeerWorkerMessage);
    submits = [];
    receipts = [];
  }, BATCH_MS);
  port?.on('message', (command: PeerWorkerCommand) => {
    if (command.type !== 'stop') return;
    clearInterval(flush);
    port.postMessage({ type: 'events', submits, receipts } satisfies PeerWorkerMessage);
    void sim.stop().then(() => {
      port.postMessage({ type: 'stopped', counters: { ...sim.counters } } satisfies PeerWorkerMessage);
      process.exit(0);
    });
  });
  port?.postMessage({ type: 'ready', port: listening } satisfies PeerWorkerMessage);
}

async function runUas202(): Promise<void> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  let answered = 0;
  socket.on('message', (datagram, remote) => {
    const request = parseWire(datagram);
    if (request === undefined || statusOf(request) !== undefined) return;
    answered++;
    socket.send(responseTo(request, 202, 'Accepted', 'uas202'), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  port?.on('message', (command: PeerWorkerCommand) => {
    if (command.type !== 'stop') return;
    socket.close();
    port.postMessage({ type: 'stopped', counters: { answered } } satisfies PeerWorkerMessage);
    process.exit(0);
  });
  port?.postMessage({ type: 'ready', port: socket.address().port } satisfies PeerWorkerMessage);
}

if (data.mode === 'smsc') await runSmsc(data);
else await runUas202();
