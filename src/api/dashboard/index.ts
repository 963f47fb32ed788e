/**
 * The browser dashboard at /dashboard/: static HTML, CSS and ES modules (no bundler, no
 * framework), which call the admin API with the session cookie. The files are public:
 * they hold no data, and everything they show comes from /api/v1 behind the login.
 *
 * The CSP allows only same-origin scripts, styles, images and requests, no inline code
 * and no framing: the dashboard renders admin-controlled and sender-controlled text
 * (message bodies, URIs, SMSC errors) and must never run any of it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { heraldError } from '../../errors.js';

export const DASHBOARD_PATH = '/dashboard/';

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The static folder. tsc does not copy assets, so from dist/src/api/dashboard/ the files
 * are read from the source tree next to dist/ (the gateway always runs from a checkout).
 * @throws GW_ERR_GATEWAY_INTERNAL when neither place has them (a broken install)
 */
export function dashboardRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'static'), path.resolve(here, '../../../../src/api/dashboard/static')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (found === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', `dashboard files not found in ${candidates.join(' or ')}`);
  return found;
}

/** Serves the dashboard, and sends `/` there. */
export function dashboard(): FastifyPluginAsync {
  return async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', DASHBOARD_CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
      return payload;
    });
    scope.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect(DASHBOARD_PATH));
    await scope.register(fastifyStatic, {
      root: dashboardRoot(),
      prefix: DASHBOARD_PATH,
      redirect: true,
      index: ['index.html'],
      // Revalidate every time (ETag): an upgraded gateway must not run yesterday's script.
      cacheControl: false,
      setHeaders: (reply) => void reply.header('cache-control', 'no-cache'),
    });
  };
}
