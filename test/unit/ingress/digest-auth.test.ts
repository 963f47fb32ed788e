import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestVerifier, NONCE_LIFETIME_MS, parseDigestHeader } from '../../../src/ingress/digest-auth.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

function answer(challenge: string, username: string, password: string, method: string, uri: string): string {
  const c = parseDigestHeader(challenge);
  const realm = c.get('realm') ?? '';
  const nonce = c.get('nonce') ?? '';
  const ha1 = md5(`${username}:${realm}:${password}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${nonce}:00000001:abc:auth:${ha2}`);
  return `Digest username="${username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="abc"`;
}

describe('DigestVerifier', () => {
  const users = [{ username: 'alice', password: 's3cret' }];

  describe('when a request has no credentials', () => {
    it('challenges with the realm and qop=auth', () => {
      const outcome = new DigestVerifier('herald', users).verify('MESSAGE', undefined);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(parseDigestHeader(outcome.challenge).get('realm')).toBe('herald');
    });
  });

  describe('when credentials answer the challenge', () => {
    it('accepts the right password and refuses a wrong one', () => {
      const verifier = new DigestVerifier('herald', users);
      const challenge = verifier.challenge();
      expect(verifier.verify('MESSAGE', answer(challenge, 'alice', 's3cret', 'MESSAGE', 'sip:+1555@gw'))).toEqual({
        ok: true,
        username: 'alice',
      });
      expect(verifier.verify('MESSAGE', answer(challenge, 'alice', 'nope', 'MESSAGE', 'sip:+1555@gw')).ok).toBe(false);
      expect(verifier.verify('MESSAGE', answer(challenge, 'mallory', 's3cret', 'MESSAGE', 'sip:+1555@gw')).ok).toBe(false);
    });

    it('refuses a nonce it did not issue', () => {
      const verifier = new DigestVerifier('herald', users);
      const forged = answer('Digest realm="herald", nonce="abc.def"', 'alice', 's3cret', 'MESSAGE', 'sip:x@y');
      expect(verifier.verify('MESSAGE', forged)).toMatchObject({ ok: false, reason: 'unknown nonce' });
    });

    it('asks again with stale=true once the nonce is too old', () => {
      let now = 1_000_000;
      const verifier = new DigestVerifier('herald', users, () => now);
      const auth = answer(verifier.challenge(), 'alice', 's3cret', 'MESSAGE', 'sip:x@y');
      now += NONCE_LIFETIME_MS + 1;
      const outcome = verifier.verify('MESSAGE', auth);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.challenge).toContain('stale=true');
    });
  });
});
