/**
 * Main-thread handle of a peer worker (peer-worker.ts): start it, hear its event batches,
 * stop it and read its counters.
 */
import { Worker } from 'node:worker_threads';
import type { PeerWorkerCommand, PeerWorkerData, PeerWorkerMessage } from './peer-worker.js';

export interface PeerEvents {
  /** [seq, at, …] */
  readonly submits: readonly number[];
  /** [seq, at, failed, …] */
  readonly receipts: readonly number[];
}

export interface Peer {
  readonly port: number;
  readonly worker: Worker;
  /** Stops the peer and resolves its counters (after the last event batch was delivered). */
  stop(): Promise<Readonly<Record<string, number>>>;
}

export async function startPeer(data: PeerWorkerData, onEvents: (events: PeerEvents) => void = () => undefined): Promise<Peer> {
  const worker = new Worker(new URL('./peer-worker.js', import.meta.url), { workerData: data });
  let stopped: ((counters: Readonly<Record<string, number>>) => void) | undefined;
  const ready = new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (message: PeerWorkerMessage) => {
      if (message.type === 'ready') resolve(message.port);
      else if (message.type === 'events') onEvents(message);
      else stopped?.(message.counters);
    });
  });
  const port = await ready;
  return {
    port,
    worker,
    stop() {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          void worker.terminate();
          resolve({});
        }, 5_000);
        stopped = (counters) => {
          clearTimeout(timer);
          resolve(counters);
        };
        worker.postMessage({ type: 'stop' } satisfies PeerWorkerCommand);
      });
    },
  };
}
