/**
 * {@link NonceCountStore} in process memory: right for one gateway process (and the unit
 * tests); several nodes need the Redis store so a replay to another node is caught too.
 */
import { randomBytes } from 'node:crypto';
import type { NonceCountStore } from '../ports/nonce-count-store.port.js';

/** Bound on the records kept: past it the oldest go first (their nonces are stale by then at the rates that fill it). */
const MAX_RECORDS = 100_000;

export class MemoryNonceCounts implements NonceCountStore {
  readonly #used = new Map<string, { readonly request: string; readonly expires: number }>();
  readonly #key = randomBytes(32);

  constructor(private readonly now: () => number = Date.now) {}

  async claim(nonce: string, nc: string, request: string, ttlSeconds: number): Promise<boolean> {
    const key = `${nonce}\n${nc}`;
    const now = this.now();
    const seen = this.#used.get(key);
    if (seen !== undefined && seen.expires > now) return seen.request === request;
    this.#used.set(key, { request, expires: now + ttlSeconds * 1000 });
    if (this.#used.size > MAX_RECORDS) {
      const oldest = this.#used.keys().next();
      if (oldest.done !== true) this.#used.delete(oldest.value);
    }
    return true;
  }

  async sharedKey(): Promise<Buffer> {
    return this.#key;
  }
}
