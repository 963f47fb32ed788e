/**
 * Requests a bind has sent and still waits on. The `smpp` package forgets callbacks when
 * its socket closes, so the bind fails them itself: a submit in flight on a lost bind
 * must end (as retryable) rather than hang.
 */
import type { HeraldError } from '../../src/errors.js';

export class PendingRequests {
  readonly #rejects = new Set<(err: HeraldError) => void>();

  /** Registers a waiting request; call the returned function once it has settled. */
  add(reject: (err: HeraldError) => void): () => void {
    this.#rejects.add(reject);
    return () => this.#rejects.delete(reject);
  }

  get size(): number {
    return this.#rejects.size;
  }

  /** Fails every waiting request with `err` (the bind is gone). */
  failAll(err: HeraldError): void {
    const rejects = [...this.#rejects];
    this.#rejects.clear();
    for (const reject of rejects) reject(err);
  }
}
