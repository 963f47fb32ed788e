/**
 * Who may call the admin API: bearer tokens, roles, revoked tokens, the problem+json
 * shape of refusals, and the endpoints that stay open (/healthz, /readyz, /metrics).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

describe('admin API authentication', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_auth');
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('when a request carries no credentials', () => {
    it('answers 401 problem+json with a Bearer challenge', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/messages' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.json()).toEqual({
        type: 'urn:herald:error:GW_ERR_API_UNAUTHENTICATED',
        title: expect.any(String),
        status: 401,
        detail: expect.any(String),
        instance: '/api/v1/messages',
        code: 'GW_ERR_API_UNAUTHENTICATED',
      });
    });

    it('refuses the docs UI and the OpenAPI document too', async () => {
      for (const url of ['/api/docs', '/api/docs/json', '/api/v1/openapi.json']) {
        const res = await h.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(401);
        expect(res.json().code).toBe('GW_ERR_API_UNAUTHENTICATED');
      }
    });
  });

  describe('when the Authorization header is not a bearer token', () => {
    it('answers 401', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/queues', headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('GW_ERR_API_UNAUTHENTICATED');
    });
  });

  describe('when the token is unknown', () => {
    it('answers 401', async () => {
      const res = await h.as('hrld_not-a-real-token', { method: 'GET', url: '/api/v1/messages' });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('GW_ERR_API_UNAUTHENTICATED');
    });
  });

  describe('when the token has been revoked', () => {
    it('answers 401 from then on', async () => {
      const token = await h.newToken('admin');
      expect((await h.as(token, { method: 'GET', url: '/api/v1/session' })).statusCode).toBe(200);
      const me = (await h.as(token, { method: 'GET', url: '/api/v1/session' })).json<{ tokenId: string }>();
      const revoke = await h.as(h.adminToken, { method: 'POST', url: `/api/v1/tokens/${me.tokenId}/revoke` });
      expect(revoke.statusCode).toBe(200);

      const res = await h.as(token, { method: 'GET', url: '/api/v1/messages' });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('GW_ERR_API_UNAUTHENTICATED');
    });
  });

  describe('when a viewer calls a route that changes something', () => {
    it.each([
      ['POST', '/api/v1/deliveries/some-id/retry'],
      ['POST', '/api/v1/deliveries/some-id/cancel'],
      ['POST', '/api/v1/tokens'],
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/tokens/some-id/revoke'],
      ['PUT', '/api/v1/directory/sip%3Abob%40example.com'],
      ['DELETE', '/api/v1/directory/sip%3Abob%40example.com'],
      ['POST', '/api/v1/directory/import'],
      ['GET', '/api/v1/audit'],
    ] as const)('refuses %s %s with 403', async (method, url) => {
      const res = await h.as(h.viewerToken, { method, url, payload: method === 'GET' || method === 'DELETE' ? undefined : {} });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('GW_ERR_API_FORBIDDEN');
    });
  });

  describe('when a viewer reads', () => {
    it.each(['/api/v1/messages', '/api/v1/queues', '/api/v1/directory', '/api/v1/directory/export', '/api/v1/session', '/api/v1/openapi.json', '/api/docs'])(
      'answers GET %s with 200',
      async (url) => {
        const res = await h.as(h.viewerToken, { method: 'GET', url });
        expect(res.statusCode).toBe(200);
      },
    );
  });

  describe('when a token is used', () => {
    it('records when it was last used', async () => {
      const token = await h.newToken('viewer', 'last-used-probe');
      await h.as(token, { method: 'GET', url: '/api/v1/session' });
      // The update is fire-and-forget: give it a moment.
      let listed: { name: string; lastUsedAt: string | null } | undefined;
      for (let i = 0; i < 50 && listed?.lastUsedAt == null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const list = await h.as(h.adminToken, { method: 'GET', url: '/api/v1/tokens' });
        listed = list.json<{ items: { name: string; lastUsedAt: string | null }[] }>().items.find((t) => t.name === 'last-used-probe');
      }
      expect(listed?.lastUsedAt).toEqual(expect.any(String));
    });
  });

  describe('when health, readiness or metrics are asked', () => {
    it('answers without credentials (probes and Prometheus scrape on a private address)', async () => {
      for (const url of ['/healthz', '/readyz', '/metrics']) {
        const res = await h.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(200);
      }
    });
  });

  describe('when the route does not exist', () => {
    it('answers 404 problem+json', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/nothing-here' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().code).toBe('GW_ERR_API_NOT_FOUND');
    });
  });

  describe('when the input fails its schema', () => {
    it('answers 400 naming each bad field', async () => {
      const res = await h.as(h.adminToken, { method: 'POST', url: '/api/v1/tokens', payload: { name: 'x', role: 'root' } });
      expect(res.statusCode).toBe(400);
      const problem = res.json();
      expect(problem.code).toBe('GW_ERR_API_VALIDATION');
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'body.role' })]);
    });

    it('names a missing field', async () => {
      const res = await h.as(h.adminToken, { method: 'POST', url: '/api/v1/tokens', payload: { role: 'viewer' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ field: 'body.name' })]);
    });

    it('refuses a body that is not JSON with 400', async () => {
      const res = await h.as(h.adminToken, {
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { 'content-type': 'application/json' },
        payload: '{"name":',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('GW_ERR_API_VALIDATION');
    });
  });
});
