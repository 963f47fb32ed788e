/**
 * The two cookies of a browser session. The session cookie is HttpOnly (scripts never
 * see it); the CSRF cookie is readable so the dashboard can echo it in X-Herald-CSRF.
 * Both are SameSite=Strict: a cross-site page cannot make the browser send them.
 */
import type { CookieSerializeOptions } from '@fastify/cookie';

export const SESSION_COOKIE = 'herald_session';
export const CSRF_COOKIE = 'herald_csrf';
export const CSRF_HEADER = 'x-herald-csrf';

/** Cookie attributes; `maxAgeSeconds` 0 clears the cookie. */
export function cookieOptions(httpOnly: boolean, secure: boolean, maxAgeSeconds: number): CookieSerializeOptions {
  return { httpOnly, secure, sameSite: 'strict', path: '/', maxAge: maxAgeSeconds };
}
