/**
 * /api/v1/session: a browser logs in by pasting an API token and gets a session cookie,
 * so the token itself never sits in the browser's storage.
 */
import type { FastifyPluginAsync } from 'fastify';
import { heraldError } from '../../errors.js';
import { principalOf } from '../auth/authenticate.js';
import { cookieOptions, CSRF_COOKIE, SESSION_COOKIE } from '../auth/cookies.js';
import { hashSecret, newOpaqueSecret } from '../auth/credentials.js';
import { LoginRateLimiter } from '../auth/login-rate-limit.js';
import { recordAudit } from '../audit.js';
import type { ApiDeps } from '../deps.js';
import { LOGIN_SCHEMA, LOGOUT_SCHEMA, WHOAMI_SCHEMA } from './schemas.js';

interface LoginBody {
  readonly token: string;
}

/** The session resource plugin. */
export function sessionRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { settings } = deps;
  const now = deps.now ?? (() => new Date());
  const limiter = new LoginRateLimiter({
    capacity: settings.loginAttempts,
    refillMs: settings.loginRefillSeconds * 1000,
    now: () => now().getTime(),
  });

  return async (app) => {
    app.post<{ Body: LoginBody }>('/session', { schema: LOGIN_SCHEMA, config: { access: 'public' } }, async (request, reply) => {
      const admission = limiter.admit(request.ip);
      if (!admission.allowed) {
        throw heraldError('GW_ERR_API_RATE_LIMITED', `too many failed logins from ${request.ip}`, {
          meta: { retryAfterSeconds: admission.retryAfterSeconds },
        });
      }
      const token = await deps.admin.tokens.findActiveByHash(hashSecret(request.body.token));
      if (token === undefined) {
        limiter.recordFailure(request.ip);
        request.log.info({ ip: request.ip }, 'failed login');
        throw heraldError('GW_ERR_API_UNAUTHENTICATED', 'unknown or revoked token');
      }
      const sessionId = newOpaqueSecret();
      const csrfToken = newOpaqueSecret();
      const expiresAt = new Date(now().getTime() + settings.sessionTtlSeconds * 1000);
      const session = await deps.admin.sessions.create({ idHash: hashSecret(sessionId), tokenId: token.id, csrfToken, expiresAt });
      request.principal = { tokenId: token.id, name: token.name, role: token.role, via: 'session', sessionIdHash: session.idHash };
      await recordAudit(deps, request, 'session.create', token.id, { expiresAt: expiresAt.toISOString() });
      void reply.setCookie(SESSION_COOKIE, sessionId, cookieOptions(true, settings.cookieSecure, settings.sessionTtlSeconds));
      void reply.setCookie(CSRF_COOKIE, csrfToken, cookieOptions(false, settings.cookieSecure, settings.sessionTtlSeconds));
      return reply.code(201).send({ name: token.name, role: token.role, expiresAt: expiresAt.toISOString(), csrfToken });
    });

    app.get('/session', { schema: WHOAMI_SCHEMA, config: { access: 'viewer' } }, async (request) => {
      const { tokenId, name, role, via } = principalOf(request);
      return { tokenId, name, role, via };
    });

    app.delete('/session', { schema: LOGOUT_SCHEMA, config: { access: 'viewer' } }, async (request, reply) => {
      const principal = principalOf(request);
      if (principal.sessionIdHash !== undefined) {
        await deps.admin.sessions.remove(principal.sessionIdHash);
        await recordAudit(deps, request, 'session.delete', principal.tokenId);
      }
      void reply.setCookie(SESSION_COOKIE, '', cookieOptions(true, settings.cookieSecure, 0));
      void reply.setCookie(CSRF_COOKIE, '', cookieOptions(false, settings.cookieSecure, 0));
      return reply.code(204).send();
    });
  };
}
