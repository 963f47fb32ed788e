import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../../queues/redis-connection.js';
import { RedisRateLimiter } from '../../../queues/redis-rate-limiter.js';

describe('RedisRateLimiter', () => {
  const redis = createRedis('redis://127.0.0.1:6379');
  const prefix = `test-${randomBytes(6).toString('hex')}`;

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  describe('when several nodes count the same key', () => {
    it('shares one count per window across limiter instances', async () => {
      const now = () => 1_700_000_000_000;
      const a = new RedisRateLimiter(redis, prefix, now);
      const b = new RedisRateLimiter(redis, prefix, now);
      expect(await a.hit(['sender:x', 'prefix:+44'], 60)).toEqual([1, 1]);
      expect(await b.hit(['sender:x'], 60)).toEqual([2]);
      expect(await a.hit(['sender:x', 'prefix:+44'], 60)).toEqual([3, 2]);
    });
  });

  describe('when the window moves on', () => {
    it('starts counting again and lets old counters expire', async () => {
      let t = 1_700_000_040_000;
      const limiter = new RedisRateLimiter(redis, prefix, () => t);
      expect(await limiter.hit(['sender:y'], 60)).toEqual([1]);
      t += 60_000;
      expect(await limiter.hit(['sender:y'], 60)).toEqual([1]);
      const keys = await redis.keys(`${prefix}:rl:60:*:sender:y`);
      for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(0);
    });
  });
});
