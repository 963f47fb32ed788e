/**
 * Who is calling, and may they: the onRequest hook of the whole /api scope.
 *
 * A request proves itself with `Authorization: Bearer <token>`, or with the browser
 * session cookie. Cookie-authenticated requests that change something must also carry
 * X-Herald-CSRF equal to the session's CSRF token: SameSite=Strict already keeps other
 * sites' requests cookie-less, and the header is a second, independent lock (a custom
 * header cannot be sent cross-site without a CORS preflight Herald never grants).
 */
import type { FastifyBaseLogger, FastifyRequest, onRequestHookHandler } from 'fastify';
import { roleAllows } from '../../domain/api-role.js';
import { heraldError } from '../../errors.js';
import type { ApiDeps } from '../deps.js';
import type { Access, Principal } from '../types.js';
import { CSRF_HEADER, SESSION_COOKIE } from './cookies.js';
import { hashSecret, sameSecret } from './credentials.js';

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (match?.[1] === undefined) throw heraldError('GW_ERR_API_UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
  return match[1];
}

function touchLater(deps: ApiDeps, log: FastifyBaseLogger, tokenId: string): void {
  // Bookkeeping only: a failed last-used update must not fail the request.
  deps.admin.tokens.touch(tokenId).catch((err: unknown) => log.warn({ err, tokenId }, 'cannot record token use'));
}

async function fromBearer(deps: ApiDeps, request: FastifyRequest, secret: string): Promise<Principal> {
  const token = await deps.admin.tokens.findActiveByHash(hashSecret(secret));
  if (token === undefined) throw heraldError('GW_ERR_API_UNAUTHENTICATED', 'unknown or revoked token');
  touchLater(deps, request.log, token.id);
  return { tokenId: token.id, name: token.name, role: token.role, via: 'bearer' };
}

async function fromSession(deps: ApiDeps, request: FastifyRequest, sessionId: string, now: Date): Promise<Principal> {
  const idHash = hashSecret(sessionId);
  const active = await deps.admin.sessions.findActive(idHash, now);
  if (active === undefined) throw heraldError('GW_ERR_API_UNAUTHENTICATED', 'session expired or logged out');
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers[CSRF_HEADER];
    if (typeof header !== 'string' || !sameSecret(header, active.session.csrfToken)) {
      throw heraldError('GW_ERR_API_CSRF', `${request.method} with a session cookie needs the X-Herald-CSRF header`);
    }
  }
  touchLater(deps, request.log, active.token.id);
  return { tokenId: active.token.id, name: active.token.name, role: active.token.role, via: 'session', sessionIdHash: idHash };
}

/**
 * The hook. Routes without `config.access` (the docs UI and its assets) need a viewer.
 * @throws GW_ERR_API_UNAUTHENTICATED (no, unknown or revoked credentials),
 *   GW_ERR_API_CSRF (cookie without a matching CSRF header), GW_ERR_API_FORBIDDEN (role too low)
 */
export function authenticate(deps: ApiDeps): onRequestHookHandler {
  const now = deps.now ?? (() => new Date());
  return async (request) => {
    request.principal = null;
    const access: Access = request.routeOptions.config.access ?? 'viewer';
    if (access === 'public') return;
    const secret = bearerToken(request);
    const sessionId = request.cookies[SESSION_COOKIE];
    let principal: Principal;
    if (secret !== undefined) principal = await fromBearer(deps, request, secret);
    else if (sessionId !== undefined && sessionId !== '') principal = await fromSession(deps, request, sessionId, now());
    else throw heraldError('GW_ERR_API_UNAUTHENTICATED', 'send Authorization: Bearer <token> or log in');
    if (!roleAllows(principal.role, access)) {
      throw heraldError('GW_ERR_API_FORBIDDEN', `${request.method} ${request.routeOptions.url ?? request.url} needs role ${access}`, {
        meta: { role: principal.role, needed: access },
      });
    }
    request.principal = principal;
  };
}

/** The caller of a route behind {@link authenticate}. @throws GW_ERR_API_UNAUTHENTICATED on a public route */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw heraldError('GW_ERR_API_UNAUTHENTICATED', 'no caller on this route');
  return request.principal;
}
