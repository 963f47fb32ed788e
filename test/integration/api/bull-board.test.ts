/** Bull Board at /admin/queues: admins only, with the API's auth, CSRF and problem+json. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

interface Cookies {
  readonly header: string;
  readonly csrf: string;
}

describe('Bull Board', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_bull_board', { bullBoard: true });
  });

  afterAll(async () => {
    await h?.close();
  });

  async function login(token: string): Promise<Cookies> {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { token } });
    expect(res.statusCode).toBe(201);
    const jar = new Map(res.cookies.map((c) => [c.name, c.value]));
    const session = jar.get('herald_session') ?? '';
    const csrf = jar.get('herald_csrf') ?? '';
    return { header: `herald_session=${session}; herald_csrf=${csrf}`, csrf };
  }

  describe('when no credentials are sent', () => {
    it('answers 401 problem+json for the page and its API', async () => {
      for (const url of ['/admin/queues', '/admin/queues/api/queues']) {
        const res = await h.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json<{ code: string }>().code).toBe('GW_ERR_API_UNAUTHENTICATED');
      }
    });
  });

  describe('when a viewer asks', () => {
    it('answers 403', async () => {
      const res = await h.as(h.viewerToken, { method: 'GET', url: '/admin/queues' });
      expect(res.statusCode).toBe(403);
      expect(res.json<{ code: string }>().code).toBe('GW_ERR_API_FORBIDDEN');
    });
  });

  describe('when an admin asks with a token', () => {
    it('serves the board and lists every Herald queue', async () => {
      const page = await h.as(h.adminToken, { method: 'GET', url: '/admin/queues' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);

      const api = await h.as(h.adminToken, { method: 'GET', url: '/admin/queues/api/queues' });
      expect(api.statusCode).toBe(200);
      const names = api.json<{ queues: { name: string }[] }>().queues.map((q) => q.name).sort();
      expect(names).toEqual(['archive', 'email-send', 'imdn-send', 'sip-deliver', 'sms-submit']);
    });
  });

  describe('when an admin uses the browser session', () => {
    it('hands the board its CSRF cookie with the page', async () => {
      const cookies = await login(h.adminToken);
      const page = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: { cookie: cookies.header } });
      expect(page.statusCode).toBe(200);
      const xsrf = page.cookies.find((c) => c.name === 'XSRF-TOKEN');
      expect(xsrf?.value).toBe(cookies.csrf);
      expect(xsrf?.path).toBe('/admin/queues');
    });

    it('refuses a change without the CSRF header, and takes the one axios sends', async () => {
      const cookies = await login(h.adminToken);
      const url = '/admin/queues/api/queues/sms-submit/pause';
      const bare = await h.app.inject({ method: 'PUT', url, headers: { cookie: cookies.header } });
      expect(bare.statusCode).toBe(403);
      expect(bare.json<{ code: string }>().code).toBe('GW_ERR_API_CSRF');

      const wrong = await h.app.inject({ method: 'PUT', url, headers: { cookie: cookies.header, 'x-xsrf-token': 'not-the-token' } });
      expect(wrong.statusCode).toBe(403);

      const ok = await h.app.inject({ method: 'PUT', url, headers: { cookie: cookies.header, 'x-xsrf-token': cookies.csrf } });
      expect(ok.statusCode, ok.body).toBeLessThan(300);
      expect(await h.jobs.queue('sms-submit').isPaused()).toBe(true);
      await h.jobs.queue('sms-submit').resume();
    });

    it('refuses a viewer session too', async () => {
      const cookies = await login(h.viewerToken);
      const res = await h.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: { cookie: cookies.header } });
      expect(res.statusCode).toBe(403);
    });
  });
});
