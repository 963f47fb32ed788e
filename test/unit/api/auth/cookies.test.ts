import { describe, expect, it } from 'vitest';
import { cookieOptions } from '../../../../src/api/auth/cookies.js';
import { hashSecret, newApiTokenSecret, sameSecret } from '../../../../src/api/auth/credentials.js';

describe('session cookies', () => {
  describe('when Herald is reached over https', () => {
    it('marks the cookies Secure, SameSite=Strict, site-wide', () => {
      expect(cookieOptions(true, true, 60)).toEqual({ httpOnly: true, secure: true, sameSite: 'strict', path: '/', maxAge: 60 });
    });
  });
});

describe('credentials', () => {
  describe('when a token is made', () => {
    it('is prefixed, 256 random bits, and stored as a SHA-256 hex hash', () => {
      const token = newApiTokenSecret();
      expect(token).toMatch(/^hrld_[A-Za-z0-9_-]{43}$/);
      expect(newApiTokenSecret()).not.toBe(token);
      expect(hashSecret(token)).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe('when secrets are compared', () => {
    it('matches only the same secret, whatever the length', () => {
      expect(sameSecret('abc', 'abc')).toBe(true);
      expect(sameSecret('abc', 'abd')).toBe(false);
      expect(sameSecret('abc', 'abcd')).toBe(false);
    });
  });
});
