import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../../queues/redis-connection.js';
import { RedisNonceCounts } from '../../../queues/redis-nonce-counts.js';

describe('RedisNonceCounts', () => {
  const redis = createRedis('redis://127.0.0.1:6379');
  const prefix = `test-${randomBytes(6).toString('hex')}`;

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  describe('when two nodes see the same nonce count', () => {
    it('should let the first request and its retransmissions through, and refuse another request', async () => {
      const a = new RedisNonceCounts(redis, prefix);
      const b = new RedisNonceCounts(redis, prefix);
      expect(await a.claim('n1', '00000001', 'call-1\n1', 60)).toBe(true);
      expect(await b.claim('n1', '00000001', 'call-1\n1', 60)).toBe(true);
      expect(await b.claim('n1', '00000001', 'call-2\n1', 60)).toBe(false);
      expect(await b.claim('n1', '00000002', 'call-2\n1', 60)).toBe(true);
      expect(await redis.ttl(`${prefix}:digest-nc:n1:00000001`)).toBeGreaterThan(0);
    });
  });

  describe('when nodes start', () => {
    it('should give every node the same nonce key', async () => {
      const [ka, kb] = await Promise.all([new RedisNonceCounts(redis, prefix).sharedKey(), new RedisNonceCounts(redis, prefix).sharedKey()]);
      expect(ka.length).toBe(32);
      expect(kb.equals(ka)).toBe(true);
    });
  });
});
