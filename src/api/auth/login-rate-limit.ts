/**
 * Failed-login limiter: a token bucket per client address, in process memory.
 *
 * Memory is enough because the bucket only has to slow guessing down, and API tokens
 * carry 256 random bits: even N nodes each allowing a burst cannot make guessing
 * feasible. The number of addresses tracked is capped so a flood of addresses cannot
 * grow the map without bound; the oldest is forgotten first.
 */

export interface LoginRateLimitOptions {
  /** Failed attempts allowed in a burst. */
  readonly capacity: number;
  /** One attempt comes back every this many milliseconds. */
  readonly refillMs: number;
  /** @defaultValue 10 000 */
  readonly maxTracked?: number | undefined;
  /** @defaultValue Date.now */
  readonly now?: (() => number) | undefined;
}

export type LoginAdmission = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Per-address token bucket; only failures take a token. */
export class LoginRateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #capacity: number;
  readonly #refillMs: number;
  readonly #maxTracked: number;
  readonly #now: () => number;

  constructor(options: LoginRateLimitOptions) {
    this.#capacity = options.capacity;
    this.#refillMs = options.refillMs;
    this.#maxTracked = options.maxTracked ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether `key` may try to log in now. Refused callers get how long to wait. */
  admit(key: string): LoginAdmission {
    const bucket = this.#current(key);
    if (bucket === undefined || bucket.tokens >= 1) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((1 - bucket.tokens) * this.#refillMs) / 1000)) };
  }

  /** Takes one token from `key`'s bucket. */
  recordFailure(key: string): void {
    const bucket = this.#current(key) ?? { tokens: this.#capacity, at: this.#now() };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    // Re-insert so Map order is least recently failed first, the eviction order.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    while (this.#buckets.size > this.#maxTracked) {
      const oldest = this.#buckets.keys().next();
      if (oldest.done === true) break;
      this.#buckets.delete(oldest.value);
    }
  }

  /** The bucket refilled up to now; forgotten once full, as it then says nothing. */
  #current(key: string): Bucket | undefined {
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return undefined;
    const now = this.#now();
    // A clock stepping back must not take tokens away.
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + Math.max(0, now - bucket.at) / this.#refillMs);
    bucket.at = now;
    if (bucket.tokens >= this.#capacity) {
      this.#buckets.delete(key);
      return undefined;
    }
    return bucket;
  }
}
