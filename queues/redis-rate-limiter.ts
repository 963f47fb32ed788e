/**
 * Fixed-window counters on Redis: INCRBY + EXPIRE per key in one pipeline. A fixed window
 * lets a burst of up to twice the limit straddle a boundary; for abuse limits (SMS
 * pumping, floods) that is fine and costs one round trip, unlike a sliding log.
 */
import type { Redis } from 'ioredis';
import { GroupCommit, OpFailed } from '../src/group-commit.js';
import type { RateLimiter } from '../src/ports/rate-limiter.port.js';

interface Hit {
  readonly keys: readonly string[];
  readonly windowSeconds: number;
}

export class RedisRateLimiter implements RateLimiter {
  /** The hits of many MESSAGEs at one moment share one pipeline: one round trip, not one each. */
  private readonly hits: GroupCommit<Hit, readonly number[]>;
  private nextHit = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.hits = new GroupCommit<Hit, readonly number[]>({
      // Counters may be shared by any number of hits: every hit is its own key.
      keyOf: () => String((this.nextHit += 1)),
      flush: (hits) => this.count(hits),
    });
  }

  async hit(keys: readonly string[], windowSeconds: number): Promise<readonly number[]> {
    if (keys.length === 0) return [];
    return this.hits.submit({ keys, windowSeconds });
  }

  /**
   * One INCRBY and one EXPIRE per distinct counter of the flush, however many hits share it
   * (a busy sender's MESSAGEs at one moment): each hit is then told the count its own
   * INCR would have returned, in submission order.
   */
  private async count(hits: readonly Hit[]): Promise<readonly (readonly number[] | OpFailed)[]> {
    const counters = new Map<string, { readonly windowSeconds: number; hits: number }>();
    const keysOfHits = hits.map(({ keys, windowSeconds }) => {
      const window = Math.floor(this.now() / 1000 / windowSeconds);
      return keys.map((key) => {
        const redisKey = `${this.prefix}:rl:${windowSeconds}:${window}:${key}`;
        const counter = counters.get(redisKey) ?? { windowSeconds, hits: 0 };
        counter.hits += 1;
        counters.set(redisKey, counter);
        return redisKey;
      });
    });
    const pipeline = this.redis.pipeline();
    for (const [redisKey, { windowSeconds, hits: n }] of counters) {
      pipeline.incrby(redisKey, n);
      // Twice the window so a slow clock on another node still finds the counter.
      pipeline.expire(redisKey, windowSeconds * 2);
    }
    const results = await pipeline.exec();
    if (results === null) throw new Error('rate limiter pipeline aborted');
    const totals = new Map<string, { value: number; error: unknown; given: number; readonly n: number }>();
    [...counters].forEach(([redisKey, { hits: n }], i) => {
      const [err, value] = results[i * 2] ?? [new Error('missing reply'), 0];
      totals.set(redisKey, { value: Number(value), error: err, given: 0, n });
    });
    return keysOfHits.map((redisKeys) => {
      const own = redisKeys.flatMap((redisKey) => totals.get(redisKey) ?? []);
      const failed = own.find((total) => total.error !== null);
      if (failed !== undefined) return new OpFailed(failed.error);
      if (own.length !== redisKeys.length) return new OpFailed(new Error('missing reply'));
      return own.map((total) => {
        total.given += 1;
        return total.value - total.n + total.given;
      });
    });
  }
}
