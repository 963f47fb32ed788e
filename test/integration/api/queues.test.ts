/** Queue counts from a real BullmqJobQueue on the local Redis (unique prefix per file). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../../queues/redis-connection.js';
import { JobWorkers } from '../../../queues/workers.js';
import { heraldError } from '../../../src/errors.js';
import { createLogger } from '../../../src/logger.js';
import { startApiHarness, TEST_REDIS_URL, type ApiHarness } from '../../helpers/api.js';
import { waitFor } from '../../helpers/wait.js';

interface QueueJson {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

describe('admin API queues', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_queues');
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('when jobs are waiting', () => {
    it('counts them per queue', async () => {
      await h.jobs.enqueue('sms-submit', { deliveryId: 'd-1' }, { jobId: 'queue-count-1' });
      await h.jobs.enqueue('sms-submit', { deliveryId: 'd-2' }, { jobId: 'queue-count-2' });
      await h.jobs.enqueue('email-send', { deliveryId: 'd-3' }, { jobId: 'queue-count-3', delayMs: 60_000 });

      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/queues' });
      expect(res.statusCode).toBe(200);
      const items = res.json<{ items: QueueJson[] }>().items;
      expect(items.map((q) => q.name)).toEqual(['archive', 'email-send', 'imdn-send', 'sip-deliver', 'sms-submit']);
      expect(items.find((q) => q.name === 'sms-submit')).toMatchObject({ waiting: 2, active: 0, failed: 0 });
      expect(items.find((q) => q.name === 'email-send')).toMatchObject({ waiting: 0, delayed: 1 });
    });
  });

  describe('when no token is sent', () => {
    it('answers 401', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/queues' });
      expect(res.statusCode).toBe(401);
    });
  });
  describe('when a job failed for good', () => {
    it('lists it with its reason, newest first; an unknown queue is 404', async () => {
      const redis = createRedis(TEST_REDIS_URL);
      const prefix = h.jobs.queue('imdn-send').opts.prefix ?? '';
      const workers = new JobWorkers(redis, createLogger('silent'), { prefix });
      workers.start({
        'imdn-send': async () => {
          throw heraldError('GW_ERR_LEDGER_NOT_FOUND', 'delivery gone');
        },
      });
      try {
        await h.jobs.enqueue('imdn-send', { deliveryId: 'd-9', notificationId: 'n-9' }, { jobId: 'failing-1' });
        const items = await waitFor(async () => {
          const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/queues/imdn-send/failed' });
          const body = res.json<{ items: { id: string; reason: string; attempts: number; data: Record<string, string> }[] }>();
          return body.items.length > 0 ? body.items : undefined;
        }, 10_000, 'the failed job');
        expect(items[0]).toMatchObject({ id: 'failing-1', attempts: 1, data: { deliveryId: 'd-9', notificationId: 'n-9' } });
        expect(items[0]?.reason).toContain('GW_ERR_LEDGER_NOT_FOUND');
      } finally {
        await workers.close();
        redis.disconnect();
      }
      const unknown = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/queues/nope/failed' });
      expect(unknown.statusCode).toBe(404);
    });
  });
});
