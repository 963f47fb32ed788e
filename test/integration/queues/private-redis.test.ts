import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRedis } from '../../../queues/private-redis.js';
import { pingOnce } from '../../../queues/redis-connection.js';
import { isHeraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';

const log = createLogger('silent');

describe('resolveRedis', () => {
  describe('when REDIS_URL is unset and the default answers', () => {
    it('uses the default Redis', async () => {
      const redis = await resolveRedis(undefined, mkdtempSync(join(tmpdir(), 'herald-redis-')), log);
      expect(redis.url).toBe('redis://127.0.0.1:6379');
      expect(redis.child).toBeUndefined();
    });
  });

  describe('when nothing answers on the default', () => {
    it('starts a private redis-server on a unix socket in the data folder, and stops it', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'herald-redis-'));
      const redis = await resolveRedis(undefined, dataDir, log, 'redis://127.0.0.1:1');
      try {
        expect(redis.url).toBe(`unix://${join(dataDir, 'redis', 'redis.sock')}`);
        expect(redis.child?.pid).toBeGreaterThan(0);
        await expect(pingOnce(redis.url, 1000)).resolves.toBeUndefined();
      } finally {
        await redis.stop();
      }
      expect(redis.child?.exitCode !== null || redis.child?.signalCode !== null).toBe(true);
    });
  });

  describe('when REDIS_URL is set but nothing answers', () => {
    it('fails with GW_ERR_REDIS_UNREACHABLE naming REDIS_URL', async () => {
      let caught: unknown;
      try {
        await resolveRedis('redis://127.0.0.1:1', mkdtempSync(join(tmpdir(), 'herald-redis-')), log);
      } catch (err) {
        caught = err;
      }
      expect(isHeraldError(caught, 'GW_ERR_REDIS_UNREACHABLE')).toBe(true);
      expect((caught as Error).message).toContain('REDIS_URL');
    });
  });
});
