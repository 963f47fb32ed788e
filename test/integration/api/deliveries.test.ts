/** Retry and cancel of one delivery: state machine, the real queue, roles and audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryDelivery } from '../../../src/api/deliveries/actions.js';
import { isHeraldError } from '../../../src/errors.js';
import type { JobQueue } from '../../../src/ports/job-queue.port.js';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';
import { seedMessage } from '../../helpers/messages.js';

describe('admin API deliveries', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_deliveries');
  });

  afterAll(async () => {
    await h?.close();
  });

  async function deliveryIn(state: 'failed' | 'expired' | 'rejected' | 'cancelled' | 'delivered' | 'queued' | 'accepted' | 'submitted', channel: 'sms' | 'email' = 'sms'): Promise<string> {
    const target = channel === 'sms' ? 'tel:+15551239999' : 'mailto:x@example.org';
    const seeded = await seedMessage(h.ledger, { deliveries: [{ channel, targetUri: target, state }] });
    return seeded.deliveries[0]?.id ?? '';
  }

  async function auditActions(): Promise<{ action: string; target: string; actorName: string }[]> {
    return (await h.as(h.adminToken, { method: 'GET', url: '/api/v1/audit?limit=50' })).json().items;
  }

  describe('when an admin retries a delivery that finally failed', () => {
    it.each(['failed', 'expired', 'rejected', 'cancelled'] as const)('puts a %s delivery back to queued and queues its job', async (state) => {
      const id = await deliveryIn(state);
      const res = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/deliveries/${id}/retry` });
      expect(res.statusCode, res.body).toBe(200);
      const delivery = res.json<{ state: string; version: number }>();
      expect(delivery.state).toBe('queued');

      const job = await h.jobs.queue('sms-submit').getJob(`${id}-v${delivery.version}`);
      expect(job?.data).toEqual({ deliveryId: id });

      const stored = await h.ledger.getDelivery(id);
      expect(stored?.state).toBe('queued');
      const events = await h.ledger.listEvents(stored?.messageId ?? '');
      expect(events.at(-1)).toMatchObject({ deliveryId: id, fromState: state, toState: 'queued', cause: 'admin-retry' });
      expect(events.at(-1)?.detail).toMatchObject({ actor: 'test-admin' });

      expect(await auditActions()).toContainEqual(expect.objectContaining({ action: 'delivery.retry', target: id, actorName: 'test-admin' }));
    });

    it('queues an email delivery on the email queue', async () => {
      const id = await deliveryIn('failed', 'email');
      const res = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/deliveries/${id}/retry` });
      const job = await h.jobs.queue('email-send').getJob(`${id}-v${res.json<{ version: number }>().version}`);
      expect(job?.data).toEqual({ deliveryId: id });
    });
  });

  describe('when the delivery is not in a final failure', () => {
    it.each(['delivered', 'queued', 'submitted'] as const)('refuses to retry a %s delivery with 409', async (state) => {
      const id = await deliveryIn(state);
      const res = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/deliveries/${id}/retry` });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('GW_ERR_STATE_ILLEGAL_TRANSITION');
      expect((await h.ledger.getDelivery(id))?.state).toBe(state);
    });
  });

  describe('when an admin cancels a delivery', () => {
    it.each(['accepted', 'queued'] as const)('cancels a %s delivery and audits it', async (state) => {
      const id = await deliveryIn(state);
      const res = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/deliveries/${id}/cancel` });
      expect(res.statusCode).toBe(200);
      expect(res.json().state).toBe('cancelled');
      expect((await h.ledger.getDelivery(id))?.state).toBe('cancelled');
      expect(await auditActions()).toContainEqual(expect.objectContaining({ action: 'delivery.cancel', target: id }));
    });

    it.each(['submitted', 'delivered', 'failed'] as const)('refuses to cancel a %s delivery with 409', async (state) => {
      const id = await deliveryIn(state);
      const res = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/deliveries/${id}/cancel` });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('GW_ERR_STATE_ILLEGAL_TRANSITION');
    });
  });

  describe('when the delivery does not exist', () => {
    it.each(['retry', 'cancel'])('answers %s with 404', async (action) => {
      const res = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/deliveries/no-such-delivery/${action}` });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('GW_ERR_API_NOT_FOUND');
    });
  });

  describe('when the caller may not act', () => {
    it('refuses a viewer with 403 and changes nothing', async () => {
      const id = await deliveryIn('failed');
      const res = await h.as(h.viewerToken, { method: 'POST', url: `/api/v1/deliveries/${id}/retry` });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('GW_ERR_API_FORBIDDEN');
      expect((await h.ledger.getDelivery(id))?.state).toBe('failed');
    });

    it('refuses a request without a token with 401', async () => {
      const id = await deliveryIn('failed');
      const res = await h.app.inject({ method: 'POST', url: `/api/v1/deliveries/${id}/retry` });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('GW_ERR_API_UNAUTHENTICATED');
    });
  });

  describe('when the retry cannot be queued', () => {
    it('puts the delivery back to failed, so it can be retried again, and reports Redis', async () => {
      const id = await deliveryIn('failed');
      const down: JobQueue = {
        enqueue: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
        enqueueBulk: () => Promise.reject(new Error('down')),
        enqueueBatch: () => Promise.reject(new Error('down')),
        backlog: () => Promise.reject(new Error('down')),
        ping: () => Promise.reject(new Error('down')),
      };
      const outcome = await retryDelivery(h.ledger, down, id, 'test-admin', { error: () => undefined }).then(
        () => 'resolved',
        (err: unknown) => (isHeraldError(err) ? err.code : String(err)),
      );
      expect(outcome).toBe('GW_ERR_REDIS_UNREACHABLE');
      const stored = await h.ledger.getDelivery(id);
      expect(stored).toMatchObject({ state: 'failed', errorCode: 'GW_ERR_REDIS_UNREACHABLE' });
      const events = await h.ledger.listEvents(stored?.messageId ?? '');
      expect(events.slice(-2).map((e) => e.cause)).toEqual(['admin-retry', 'admin-retry-not-queued']);
    });
  });
});
