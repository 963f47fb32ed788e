/**
 * Non-INVITE client transactions (RFC 3261 §17.1.2) for the MESSAGEs Herald sends. Over
 * UDP the request is re-sent on Timer E (T1 doubling up to T2, then every T2; every T2 once
 * a provisional response came) until a final response or Timer F (64·T1), which yields a
 * 408 as §17.1.2.2 says. Over TCP nothing is re-sent. Responses are matched by the branch
 * Herald put in its Via and the CSeq method (§17.1.3).
 */
import { headerValue, type ParsedResponse } from '../shared/wire-parser.js';
import { T1_MS } from './server-transactions.js';
import { parseTopVia } from './via.js';

const T2_MS = 4_000;
const TIMER_F_MS = 64 * T1_MS;

export interface ClientResponse {
  readonly head: ParsedResponse;
  readonly body: Buffer;
}

interface Pending {
  readonly resolve: (response: ClientResponse) => void;
  readonly reject: (err: unknown) => void;
  retransmit: NodeJS.Timeout | undefined;
  timeout: NodeJS.Timeout;
  provisional: boolean;
}

function keyOf(branch: string, method: string): string {
  return `${branch}\n${method}`;
}

/** Synthetic 408 for Timer F: what the transaction user sees when nobody answered. */
function timedOut(): ClientResponse {
  return { head: { kind: 'response', status: 408, reason: 'Request Timeout', headers: [], headerBlock: '' }, body: Buffer.alloc(0) };
}

export class ClientTransactions {
  readonly #pending = new Map<string, Pending>();

  /**
   * Sends `bytes` (a request whose top Via has `branch`) and resolves with the final
   * response; rejects when `send` does (a refused TCP connection).
   */
  run(branch: string, method: string, send: () => Promise<void>, reliable: boolean): Promise<ClientResponse> {
    const key = keyOf(branch, method);
    return new Promise<ClientResponse>((resolve, reject) => {
      const finish = (): void => {
        const entry = this.#pending.get(key);
        if (entry === undefined) return;
        clearTimeout(entry.timeout);
        if (entry.retransmit !== undefined) clearTimeout(entry.retransmit);
        this.#pending.delete(key);
      };
      const pending: Pending = {
        resolve: (response) => {
          finish();
          resolve(response);
        },
        reject: (err) => {
          finish();
          reject(err);
        },
        retransmit: undefined,
        timeout: setTimeout(() => pending.resolve(timedOut()), TIMER_F_MS),
        provisional: false,
      };
      this.#pending.set(key, pending);
      const schedule = (interval: number): void => {
        pending.retransmit = setTimeout(() => {
          if (!this.#pending.has(key)) return;
          send().catch(pending.reject);
          schedule(pending.provisional ? T2_MS : Math.min(interval * 2, T2_MS));
        }, interval);
      };
      send().then(() => {
        if (!reliable && this.#pending.has(key)) schedule(T1_MS);
      }, pending.reject);
    });
  }

  /** Hands a response to its transaction; false when none is waiting (a stray response). */
  receive(response: ClientResponse): boolean {
    const via = parseTopVia(headerValue(response.head.headers, 'via'));
    const method = (headerValue(response.head.headers, 'cseq') ?? '').trim().split(/[ \t]+/)[1] ?? '';
    if (via?.branch === undefined) return false;
    const pending = this.#pending.get(keyOf(via.branch, method));
    if (pending === undefined) return false;
    if (response.head.status < 200) pending.provisional = true;
    else pending.resolve(response);
    return true;
  }

  /** Ends every transaction with `err` (the edge is stopping). */
  failAll(err: unknown): void {
    for (const pending of [...this.#pending.values()]) pending.reject(err);
  }
}
