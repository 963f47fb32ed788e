/**
 * The per-connection throughput cap: a token bucket refilled at the connection's rate,
 * holding at most one second of tokens. After a throttle the rate is halved (down to a
 * floor) and climbs back once the SMSC has been quiet for a while: additive increase,
 * multiplicative decrease, like TCP.
 */

/** How long after the last throttle the rate starts to recover. */
const RECOVER_AFTER_MS = 2_000;
/** Rate regained per second of recovery, as a fraction of the configured maximum. */
const RECOVER_PER_SECOND = 0.1;
/**
 * One halving per this long: the refusals of submits already in flight when the first
 * came back say nothing new about the rate (one decrease per round trip, as in TCP).
 */
const PENALTY_SPACING_MS = 500;
/** The rate never drops below this fraction of the maximum (nor below 1/s). */
const FLOOR_FRACTION = 1 / 32;

export class TokenBucket {
  readonly maxPerSecond: number;
  #rate: number;
  #tokens: number;
  #last: number;
  #lastPenalty = Number.NEGATIVE_INFINITY;
  readonly #now: () => number;

  constructor(maxPerSecond: number, now: () => number = Date.now) {
    this.maxPerSecond = maxPerSecond;
    this.#rate = maxPerSecond;
    this.#tokens = Math.max(1, maxPerSecond);
    this.#now = now;
    this.#last = now();
  }

  /** The rate in force now (below the maximum after throttling). */
  get currentPerSecond(): number {
    this.#refill();
    return this.#rate;
  }

  /** Halves the rate: the SMSC said ESME_RTHROTTLED or ESME_RMSGQFUL. */
  penalise(): void {
    this.#refill();
    if (this.#now() - this.#lastPenalty < PENALTY_SPACING_MS) return;
    this.#rate = Math.max(this.#rate / 2, Math.min(this.maxPerSecond, Math.max(1, this.maxPerSecond * FLOOR_FRACTION)));
    this.#tokens = Math.min(this.#tokens, 0);
    this.#lastPenalty = this.#now();
  }

  /**
   * Takes one token, waiting for it as long as `deadline` (epoch ms) allows.
   * @returns false when the deadline would pass first (nothing taken).
   */
  async take(deadline: number): Promise<boolean> {
    for (;;) {
      this.#refill();
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return true;
      }
      const waitMs = Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
      if (this.#now() + waitMs > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, waitMs)));
    }
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    if (this.#rate < this.maxPerSecond && now - this.#lastPenalty > RECOVER_AFTER_MS) {
      this.#rate = Math.min(this.maxPerSecond, this.#rate + this.maxPerSecond * RECOVER_PER_SECOND * elapsed);
    }
    this.#tokens = Math.min(Math.max(1, this.#rate), this.#tokens + elapsed * this.#rate);
  }
}
