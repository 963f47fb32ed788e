/** The dashboard's files: public, same-origin only (CSP), and nothing outside its folder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CSP } from '../../../src/api/dashboard/index.js';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

describe('dashboard', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_dashboard');
  });

  afterAll(async () => {
    await h?.close();
  });

  describe('when / is opened', () => {
    it('redirects to /dashboard/', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/' });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/dashboard/');
    });
  });

  describe('when the page is fetched without credentials', () => {
    it('serves the HTML with a same-origin-only CSP', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/dashboard/' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(DASHBOARD_CSP).toContain("default-src 'self'");
      expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body).toContain('<script type="module" src="js/app.js"></script>');
    });

    it('serves its ES modules as JavaScript, revalidated on every load', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/dashboard/js/app.js' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/javascript/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    });
  });

  describe('when a path leaves the folder', () => {
    it('answers 404 and serves nothing else', async () => {
      for (const url of ['/dashboard/../../package.json', '/dashboard/%2e%2e/%2e%2e/package.json', '/dashboard/js/../../index.ts']) {
        const res = await h.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(res.body, url).not.toContain('"dependencies"');
      }
    });
  });

  describe('when the scripts are read', () => {
    it('never parse data as HTML', async () => {
      for (const file of ['js/app.js', 'js/dom.js', 'js/chart.js', 'js/views/message.js', 'js/views/overview.js', 'js/views/search.js', 'js/views/login.js']) {
        const res = await h.app.inject({ method: 'GET', url: `/dashboard/${file}` });
        expect(res.statusCode, file).toBe(200);
        expect(res.body, file).not.toMatch(/\.innerHTML\s*=|outerHTML\s*=|insertAdjacentHTML|document\.write|eval\(|new Function/);
      }
    });
  });
});
