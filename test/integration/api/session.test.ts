/**
 * Browser sessions: a token exchanged for cookies, CSRF refusal of cookie-authenticated
 * writes, logout, expiry, and the failed-login rate limit.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

interface Browser {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookies: readonly string[];
}

function setCookies(res: LightMyRequestResponse): string[] {
  const header = res.headers['set-cookie'];
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
}

describe('admin API sessions', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_session', { api: { loginAttempts: 3, loginRefillSeconds: 60, sessionTtlSeconds: 600 } });
  });

  afterAll(async () => {
    await h?.close();
  });

  async function login(token: string, remoteAddress = '10.0.0.1'): Promise<Browser> {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { token }, remoteAddress });
    expect(res.statusCode).toBe(201);
    const cookies = res.cookies as { name: string; value: string }[];
    const session = cookies.find((c) => c.name === 'herald_session')?.value ?? '';
    const csrf = cookies.find((c) => c.name === 'herald_csrf')?.value ?? '';
    expect(res.json().csrfToken).toBe(csrf);
    return { cookie: `herald_session=${session}; herald_csrf=${csrf}`, csrf, setCookies: setCookies(res) };
  }

  describe('when an admin logs in with a token', () => {
    it('sets an HttpOnly SameSite=Strict session cookie and a readable CSRF cookie', async () => {
      const browser = await login(h.adminToken);
      const session = browser.setCookies.find((c) => c.startsWith('herald_session='));
      const csrf = browser.setCookies.find((c) => c.startsWith('herald_csrf='));
      expect(session).toMatch(/; HttpOnly/);
      expect(session).toMatch(/; SameSite=Strict/);
      expect(session).toMatch(/; Path=\//);
      expect(session).toMatch(/; Max-Age=600/);
      // Off by default: Herald listens on plain HTTP unless a TLS proxy is in front.
      expect(session).not.toMatch(/; Secure/);
      expect(csrf).not.toMatch(/HttpOnly/);
      expect(csrf).toMatch(/; SameSite=Strict/);
    });

    it('authenticates later requests by the cookie alone', async () => {
      const browser = await login(h.adminToken);
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: browser.cookie } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ name: 'test-admin', role: 'admin', via: 'session' });
    });

    it('writes a session.create audit event', async () => {
      await login(h.adminToken);
      const audit = await h.as(h.adminToken, { method: 'GET', url: '/api/v1/audit?limit=5' });
      expect(audit.json().items).toContainEqual(expect.objectContaining({ action: 'session.create', actorName: 'test-admin' }));
    });
  });

  describe('when a cookie-authenticated request changes something', () => {
    const create = { method: 'POST', url: '/api/v1/tokens', payload: { name: 'from-browser', role: 'viewer' } } as const;

    it('refuses it with 403 GW_ERR_API_CSRF without the X-Herald-CSRF header', async () => {
      const browser = await login(h.adminToken);
      const res = await h.app.inject({ ...create, headers: { cookie: browser.cookie } });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('GW_ERR_API_CSRF');
    });

    it('refuses it when the header does not match the session', async () => {
      const browser = await login(h.adminToken);
      const other = await login(h.adminToken);
      const res = await h.app.inject({ ...create, headers: { cookie: browser.cookie, 'x-herald-csrf': other.csrf } });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('GW_ERR_API_CSRF');
    });

    it('accepts it with the matching header', async () => {
      const browser = await login(h.adminToken);
      const res = await h.app.inject({ ...create, headers: { cookie: browser.cookie, 'x-herald-csrf': browser.csrf } });
      expect(res.statusCode).toBe(201);
    });

    it('still applies the role of the token behind the session', async () => {
      const browser = await login(h.viewerToken);
      const res = await h.app.inject({ ...create, headers: { cookie: browser.cookie, 'x-herald-csrf': browser.csrf } });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('GW_ERR_API_FORBIDDEN');
    });
  });

  describe('when the browser logs out', () => {
    it('ends the session, clears the cookies and refuses the old cookie', async () => {
      const browser = await login(h.adminToken);
      const refused = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: browser.cookie } });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().code).toBe('GW_ERR_API_CSRF');

      const res = await h.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie: browser.cookie, 'x-herald-csrf': browser.csrf } });
      expect(res.statusCode).toBe(204);
      expect(setCookies(res).find((c) => c.startsWith('herald_session='))).toMatch(/Max-Age=0/);

      const after = await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: browser.cookie } });
      expect(after.statusCode).toBe(401);
      expect(after.json().code).toBe('GW_ERR_API_UNAUTHENTICATED');
    });
  });

  describe('when the session has expired', () => {
    it('refuses the cookie', async () => {
      const browser = await login(h.adminToken);
      h.advance(601_000);
      try {
        const res = await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: browser.cookie } });
        expect(res.statusCode).toBe(401);
      } finally {
        h.advance(-601_000);
      }
    });
  });

  describe('when the token behind a session is revoked', () => {
    it('refuses the cookie', async () => {
      const token = await h.newToken('admin', 'to-revoke');
      const browser = await login(token);
      const me = (await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: browser.cookie } })).json<{ tokenId: string }>();
      await h.as(h.adminToken, { method: 'POST', url: `/api/v1/tokens/${me.tokenId}/revoke` });
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: browser.cookie } });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('when logins from one address keep failing', () => {
    const address = '192.0.2.77';
    const attempt = (token: string, remoteAddress = address) =>
      h.app.inject({ method: 'POST', url: '/api/v1/session', payload: { token }, remoteAddress });

    it('answers 401 until the burst is spent, then 429 with Retry-After even for a good token', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await attempt('hrld_wrong');
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe('GW_ERR_API_UNAUTHENTICATED');
      }
      const limited = await attempt('hrld_wrong');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().code).toBe('GW_ERR_API_RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await attempt(h.adminToken)).statusCode).toBe(429);
    });

    it('still lets other addresses in', async () => {
      expect((await attempt(h.adminToken, '192.0.2.78')).statusCode).toBe(201);
    });

    it('lets the address try again once a token has refilled', async () => {
      h.advance(61_000);
      try {
        expect((await attempt(h.adminToken)).statusCode).toBe(201);
      } finally {
        h.advance(-61_000);
      }
    });
  });
});
