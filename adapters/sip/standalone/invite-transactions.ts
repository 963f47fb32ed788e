/**
 * INVITE server transactions (RFC 3261 §17.2.1) and the 2xx retransmission the UAS core
 * owes until ACK (§13.3.1.4), for the session-mode INVITEs Herald answers.
 *
 * - A retransmitted INVITE never reaches the core twice: it gets the last response again.
 * - A 2xx goes out at T1, 2·T1, … capped at T2 until the ACK arrives (on any transport:
 *   a proxy in between may be on UDP), and is given up after 64·T1.
 * - A non-2xx final goes out once and is never retransmitted (no amplification toward a
 *   spoofed source, the edge's rule for every refusal); its ACK is absorbed.
 */
import { T1_MS } from './server-transactions.js';

/** RFC 3261 §17.1.2.2 T2: the cap of the 2xx retransmission interval. */
const T2_MS = 4_000;
/** RFC 3261 §13.3.1.4: the UAS gives up waiting for ACK after 64·T1. */
const ACK_WAIT_MS = 64 * T1_MS;
/** How long an answered INVITE is remembered so its retransmissions are absorbed. */
const LINGER_MS = 64 * T1_MS;
/** INVITEs in progress or lingering at once; past it a new one is answered 503 by the caller. */
export const MAX_INVITE_TRANSACTIONS = 2_000;

type Sender = (bytes: Buffer) => void;

interface InviteTransaction {
  last: Buffer | undefined;
  send: Sender;
  /** `Call-ID\nCSeq number`: how the ACK of a 2xx (a new transaction) finds it. */
  readonly dialogKey: string;
  retransmit: NodeJS.Timeout | undefined;
  expire: NodeJS.Timeout | undefined;
}

export class InviteServerTransactions {
  readonly #byKey = new Map<string, InviteTransaction>();
  readonly #byDialog = new Map<string, string>();
  readonly #onNoAck: (dialogKey: string) => void;

  /** `onNoAck` is told when a 2xx was never acknowledged (the session must end). */
  constructor(onNoAck: (dialogKey: string) => void) {
    this.#onNoAck = onNoAck;
  }

  get size(): number {
    return this.#byKey.size;
  }

  /** A retransmitted INVITE: re-sends the last response and returns true. */
  absorb(key: string): boolean {
    const tx = this.#byKey.get(key);
    if (tx === undefined) return false;
    if (tx.last !== undefined) tx.send(tx.last);
    return true;
  }

  begin(key: string, dialogKey: string, send: Sender): boolean {
    if (this.#byKey.size >= MAX_INVITE_TRANSACTIONS) return false;
    this.#byKey.set(key, { last: undefined, send, dialogKey, retransmit: undefined, expire: undefined });
    this.#byDialog.set(dialogKey, key);
    return true;
  }

  provisional(key: string, bytes: Buffer): void {
    const tx = this.#byKey.get(key);
    if (tx === undefined || tx.last !== undefined) return;
    tx.last = bytes;
    tx.send(bytes);
  }

  /** Sends the final response: a 2xx until ACK, anything else once. */
  final(key: string, bytes: Buffer, status: number): void {
    const tx = this.#byKey.get(key);
    if (tx === undefined) return;
    tx.last = bytes;
    tx.send(bytes);
    if (status >= 200 && status < 300) {
      let interval = T1_MS;
      const again = (): void => {
        tx.send(bytes);
        interval = Math.min(interval * 2, T2_MS);
        tx.retransmit = setTimeout(again, interval);
        tx.retransmit.unref();
      };
      tx.retransmit = setTimeout(again, interval);
      tx.retransmit.unref();
      tx.expire = setTimeout(() => {
        const waiting = tx.retransmit !== undefined;
        this.#forget(key);
        if (waiting) this.#onNoAck(tx.dialogKey);
      }, ACK_WAIT_MS);
    } else {
      tx.expire = setTimeout(() => this.#forget(key), LINGER_MS);
    }
    tx.expire.unref();
  }

  /** An ACK for `Call-ID\nCSeq number`: stops the 2xx retransmission. False when none waits. */
  ack(dialogKey: string): boolean {
    const key = this.#byDialog.get(dialogKey);
    const tx = key === undefined ? undefined : this.#byKey.get(key);
    if (tx === undefined) return false;
    if (tx.retransmit !== undefined) clearTimeout(tx.retransmit);
    tx.retransmit = undefined;
    return true;
  }

  /** Whether an INVITE with this `Call-ID\nCSeq number` is known (CANCEL matching). */
  has(dialogKey: string): boolean {
    return this.#byDialog.has(dialogKey);
  }

  #forget(key: string): void {
    const tx = this.#byKey.get(key);
    if (tx === undefined) return;
    if (tx.retransmit !== undefined) clearTimeout(tx.retransmit);
    if (tx.expire !== undefined) clearTimeout(tx.expire);
    tx.retransmit = undefined;
    this.#byKey.delete(key);
    this.#byDialog.delete(tx.dialogKey);
  }

  clear(): void {
    for (const key of [...this.#byKey.keys()]) this.#forget(key);
  }
}
