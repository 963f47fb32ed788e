/**
 * Fixed-window counters on Redis: INCR + EXPIRE per key in one pipeline. A fixed window
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

  private async count(hits: readonly Hit[]): Promise<readonly (readonly number[] | OpFailed)[]> {
    const pipeline = this.redis.pipeline();
    for (const { keys, windowSeconds } of hits) {
      const window = Math.floor(this.now() / 1000 / windowSeconds);
      for (const key of keys) {
        const redisKey = `${this.prefix}:rl:${windowSeconds}:${window}:${key}`;
        pipeline.incr(redisKey);
        // Twice the window so a slow clock on another node still finds the counter.
        pipeline.expire(redisKey, windowSeconds * 2);
      }
    }
    const results = await pipeline.exec();
    if (results === null) throw new Error('rate limiter pipeline aborted');
    let at = 0;
    return hits.map(({ keys }) => {
      const own = keys.map((_, i) => results[(at + i) * 2] ?? [new Error('missing reply'), 0]);
      at += keys.length;
      const failed = own.find(([err]) => err !== null)?.[0];
      return failed ? new OpFailed(failed) : own.map(([, value]) => Number(value));
    });
  }
}
