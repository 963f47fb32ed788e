import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveRedis } from '../../../queues/private-redis.js';
import { pingOnce } from '../../../queues/redis-connection.js';
import { isHeraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';

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

    it('runs it in its own process group, so a Ctrl-C meant for Herald does not reach it', async () => {
      const redis = await resolveRedis(undefined, mkdtempSync(join(tmpdir(), 'herald-redis-')), log, 'redis://127.0.0.1:1');
      try {
        const pid = redis.child?.pid ?? 0;
        // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm has no spaces here.
        const processGroup = (id: number | 'self'): string => readFileSync(`/proc/${String(id)}/stat`, 'utf8').split(' ')[4] ?? '';
        expect(processGroup(pid)).toBe(String(pid));
        expect(processGroup(pid)).not.toBe(processGroup('self'));
      } finally {
        await redis.stop();
      }
    });
  });

  describe('when the data folder already chose the local Redis', () => {
    it('keeps to it: a start while it does not answer stops with one line instead of taking a private one', async () => {
      const proxy = await startTcpProxy({ host: '127.0.0.1', port: 6379 });
      const dataDir = mkdtempSync(join(tmpdir(), 'herald-redis-'));
      const local = `redis://127.0.0.1:${String(proxy.port)}`;
      try {
        const first = await resolveRedis(undefined, dataDir, log, local);
        expect(first.url).toBe(local);
        expect(first.description).toContain('the local Redis');

        proxy.pause();
        let caught: unknown;
        const second = await resolveRedis(undefined, dataDir, log, local).catch((err: unknown) => {
          caught = err;
          return undefined;
        });
        await second?.stop();
        expect(second?.url).toBeUndefined();
        expect(isHeraldError(caught, 'GW_ERR_REDIS_UNREACHABLE')).toBe(true);
        expect((caught as Error).message).toContain(`the local Redis ${local}, chosen at this data folder's first start`);
        expect(existsSync(join(dataDir, 'redis', 'redis.sock'))).toBe(false);

        proxy.resume();
        expect((await resolveRedis(undefined, dataDir, log, local)).url).toBe(local);
      } finally {
        await proxy.close();
      }
    }, 30_000);
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
