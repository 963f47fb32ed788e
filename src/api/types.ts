/**
 * Request-level types of the admin API, and the fastify declarations they need: each
 * route says in `config.access` who may call it, and the auth hook puts the caller on
 * `request.principal`.
 */
import type { ApiRole } from '../domain/api-role.js';

/** Who may call a route: anyone (`public`), or a token of at least this role. */
export type Access = 'public' | ApiRole;

/** The authenticated caller of a request. */
export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: ApiRole;
  /** How the request proved it: an Authorization header, or the browser session cookie. */
  readonly via: 'bearer' | 'session';
  /** Hash of the session id, when `via` is `session` (logout removes it). */
  readonly sessionIdHash?: string | undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every /api/v1 route (registration fails without it). */
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}
