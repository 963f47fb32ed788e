/**
 * Secrets of the admin API: tokens, session ids and CSRF tokens are 256 random bits.
 * At that entropy a guess is hopeless, so a plain SHA-256 is the right stored form (a
 * slow password hash would only slow every request down).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Prefix of API tokens, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'hrld_';

/** A new API token, shown once to whoever created it. */
export function newApiTokenSecret(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** A new random id for a session cookie or a CSRF token. */
export function newOpaqueSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a token or session id: SHA-256, hex. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares two secrets in time independent of where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
