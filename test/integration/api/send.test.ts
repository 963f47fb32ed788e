/** POST /api/v1/messages: REST ingress through the real SIP pipeline, on PostgreSQL and Redis. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';
import { jobOfDelivery } from '../../helpers/delivery-job.js';

describe('admin API send', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_send', { ingress: true });
  });

  afterAll(async () => {
    await h?.close();
  });

  const send = (token: string, payload: Record<string, unknown>) =>
    h.as(token, { method: 'POST', url: '/api/v1/messages', payload });

  describe('when an admin sends to one number', () => {
    it('stores and queues it like a SIP MESSAGE, and a re-send is the same message', async () => {
      const body = { from: 'sip:app@example.com', to: ['tel:+15557001000'], text: 'hello from an app', imdn: { messageId: 'rest-1', notify: ['positive-delivery'] } };
      const res = await send(h.adminToken, body);
      expect(res.statusCode, res.body).toBe(202);
      const { messageId, imdnMessageId } = res.json<{ messageId: string; imdnMessageId: string }>();
      expect(imdnMessageId).toBe('rest-1');
      const message = await h.ledger.getMessage(messageId);
      expect(message?.body.toString('utf8')).toBe('hello from an app');
      expect(message?.imdnRequests).toEqual(['positive-delivery']);
      const deliveries = await h.ledger.listDeliveries(messageId);
      expect(deliveries.map((d) => [d.channel, d.targetUri])).toEqual([['sms', 'tel:+15557001000']]);
      expect(await jobOfDelivery(h.jobs, 'sms-submit', deliveries[0] ?? { id: '' })).toBeDefined();

      const again = await send(h.adminToken, body);
      expect(again.statusCode).toBe(202);
      expect(again.json<{ messageId: string }>().messageId).toBe(messageId);
    });
  });

  describe('when an admin sends to several recipients', () => {
    it('makes one delivery per recipient, on its own channel', async () => {
      const res = await send(h.adminToken, { from: 'sip:app@example.com', to: ['tel:+15557001001', 'tel:+15557001002', 'mailto:bob@example.org'], text: 'to all' });
      expect(res.statusCode, res.body).toBe(202);
      const deliveries = await h.ledger.listDeliveries(res.json<{ messageId: string }>().messageId);
      expect(deliveries.map((d) => d.channel).sort()).toEqual(['email', 'sms', 'sms']);
    });
  });

  describe('when the pipeline refuses the message', () => {
    it('answers the ingress error as problem+json', async () => {
      const unroutable = await send(h.adminToken, { from: 'sip:app@example.com', to: ['sip:nobody@elsewhere.example'], text: 'x' });
      expect(unroutable.statusCode).toBe(404);
      expect(unroutable.json<{ code: string }>().code).toBe('GW_ERR_ROUTE_UNROUTABLE');
      const premium = await send(h.adminToken, { from: 'sip:app@example.com', to: ['tel:+19005550123'], text: 'x' });
      expect(premium.statusCode).toBe(403);
      expect(premium.json<{ code: string }>().code).toBe('GW_ERR_ABUSE_DESTINATION_DENIED');
    });

    it('refuses a viewer with 403 and a malformed body with 400', async () => {
      expect((await send(h.viewerToken, { from: 'sip:a@b.c', to: ['tel:+15557001003'], text: 'x' })).statusCode).toBe(403);
      const bad = await send(h.adminToken, { from: 'not a uri', to: [], text: '' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ code: string }>().code).toBe('GW_ERR_API_VALIDATION');
    });
  });
});
