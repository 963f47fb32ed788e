/**
 * Fixed-window counters on Redis: INCR + EXPIRE per key in one pipeline. A fixed window
 * lets a burst of up to twice the limit straddle a boundary; for abuse limits (SMS
 * pumping, floods) that is fine and costs one round trip, unlike a sliding log.
 */
import type { Redis } from 'ioredis';
import type { RateLimiter } from '../src/ports/rate-limiter.port.js';

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(keys: readonly string[], windowSeconds: number): Promise<readonly number[]> {
    if (keys.length === 0) return [];
    const window = Math.floor(this.now() / 1000 / windowSeconds);
    const pipeline = this.redis.pipeline();
    for (const key of keys) {
      const redisKey = `${this.prefix}:rl:${windowSeconds}:${window}:${key}`;
      pipeline.incr(redisKey);
      // Twice the window so a slow clock on another node still finds the counter.
      pipeline.expire(redisKey, windowSeconds * 2);
    }
    const results = await pipeline.exec();
    if (results === null) throw new Error('rate limiter pipeline aborted');
    return keys.map((_, i) => {
      const [err, value] = results[i * 2] ?? [new Error('missing reply'), 0];
      if (err) throw err;
      return Number(value);
    });
  }
}
