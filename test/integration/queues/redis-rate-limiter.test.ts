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

  describe('when many hits of one sender arrive at one moment', () => {
    it('tells each hit the count its own increment would give, with one INCRBY per counter', async () => {
      const now = () => 1_700_000_100_000;
      const limiter = new RedisRateLimiter(redis, prefix, now);
      const commands: string[] = [];
      const monitor = await redis.monitor();
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.some((arg) => arg.startsWith(`${prefix}:rl:`))) commands.push(String(args[0]).toLowerCase());
      });
      const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.hit(['sender:burst', `dest:${i % 2}`], 60)));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await monitor.disconnect();
      expect(counts.map(([sender]) => sender)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(counts.map(([, dest]) => dest)).toEqual(Array.from({ length: 20 }, (_, i) => Math.floor(i / 2) + 1));
      expect(commands.filter((c) => c === 'incrby')).toHaveLength(3);
      expect(commands.filter((c) => c === 'incr')).toHaveLength(0);
      expect(await limiter.hit(['sender:burst'], 60)).toEqual([21]);
    });
  });
});
