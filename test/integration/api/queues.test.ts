/** Queue counts from a real BullmqJobQueue on the local Redis (unique prefix per file). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

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
});
