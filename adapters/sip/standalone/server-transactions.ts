/**
 * Non-INVITE server transactions (RFC 3261 §17.2.2), all Herald serves (MESSAGE, OPTIONS,
 * and the 405 to other non-INVITE methods). A retransmitted request never reaches the core
 * twice: while the core works it is absorbed (or answered with the 100 Trying already
 * sent), once answered it gets the same final response again, until Timer J.
 */
import { headerValue, type ParsedRequest } from '../shared/wire-parser.js';
import type { TopVia } from './via.js';

/** RFC 3261 §17.1.2.2 T1 (RTT estimate), 500 ms; Timer J is 64·T1 over UDP, 0 over TCP. */
export const T1_MS = 500;
const TIMER_J_UDP_MS = 64 * T1_MS;

/**
 * Transactions remembered at once. Each holds one response of at most a few KB for 32 s;
 * past the bound a new request is answered without a transaction (retransmissions then
 * reach the core again, where duplicates are caught by Call-ID and CSeq).
 */
export const MAX_SERVER_TRANSACTIONS = 20_000;

type Sender = (bytes: Buffer) => void;

interface Transaction {
  state: 'proceeding' | 'completed';
  /** The last response sent (100 Trying or the final one), re-sent on retransmission. */
  last: Buffer | undefined;
  send: Sender;
  timer: NodeJS.Timeout | undefined;
}

/**
 * RFC 3261 §17.2.3: branch + sent-by + method when the client follows RFC 3261, else the
 * RFC 2543 identity of the request (Call-ID, CSeq, From tag, top Via).
 */
export function transactionKey(request: ParsedRequest, via: TopVia): string {
  if (via.branch !== undefined) return `${via.branch}\n${via.sentBy}\n${request.method}`;
  const parts = ['call-id', 'cseq', 'from', 'via'].map((name) => headerValue(request.headers, name) ?? '');
  return `2543\n${request.requestUri}\n${parts.join('\n')}`;
}

export class ServerTransactions {
  readonly #table = new Map<string, Transaction>();

  get size(): number {
    return this.#table.size;
  }

  /**
   * Handles a retransmission of a known transaction and returns true, or returns false for a
   * new request (which the caller then starts with begin()).
   */
  absorb(key: string): boolean {
    const existing = this.#table.get(key);
    if (existing === undefined) return false;
    if (existing.last !== undefined) existing.send(existing.last);
    return true;
  }

  /** Starts a transaction; false when the table is full (the caller answers without one). */
  begin(key: string, send: Sender): boolean {
    if (this.#table.size >= MAX_SERVER_TRANSACTIONS) return false;
    this.#table.set(key, { state: 'proceeding', last: undefined, send, timer: undefined });
    return true;
  }

  /** Sends a provisional response and keeps it for retransmissions while proceeding. */
  provisional(key: string, bytes: Buffer): void {
    const tx = this.#table.get(key);
    if (tx === undefined || tx.state !== 'proceeding') return;
    tx.last = bytes;
    tx.send(bytes);
  }

  /** Sends the final response; the transaction lingers (Timer J) over UDP only. */
  final(key: string, bytes: Buffer, reliable: boolean): void {
    const tx = this.#table.get(key);
    if (tx === undefined) return;
    tx.state = 'completed';
    tx.last = bytes;
    tx.send(bytes);
    if (reliable) {
      this.#table.delete(key);
      return;
    }
    tx.timer = setTimeout(() => this.#table.delete(key), TIMER_J_UDP_MS);
    tx.timer.unref();
  }

  clear(): void {
    for (const tx of this.#table.values()) if (tx.timer !== undefined) clearTimeout(tx.timer);
    this.#table.clear();
  }
}
