import { describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { assertedIdentityUri, checkClaims, claimsIdentity, digestIdentityUri, type SenderIdentity } from '../../../src/ingress/sender-identity.js';

const alice: SenderIdentity = { uri: digestIdentityUri('alice', 'gw.example.com'), via: 'digest', domains: ['gw.example.com', 'herald.test'] };

describe('sender identity', () => {
  describe('when a digest user writes as itself', () => {
    it.each([
      'sip:alice@gw.example.com',
      'sips:alice@gw.example.com',
      'sip:alice@GW.example.com:5061;transport=tcp',
      'sip:alice@herald.test',
      'sip:anonymous@anonymous.invalid',
    ])('should accept %s', (claim) => {
      expect(claimsIdentity(claim, alice)).toBe(true);
    });

    it('should accept its directory number, as tel: or sip:', () => {
      const withNumber = { ...alice, msisdn: '+15550001111' };
      expect(claimsIdentity('tel:+1-555-000-1111', withNumber)).toBe(true);
      expect(claimsIdentity('sip:+15550001111@gw.example.com;user=phone', withNumber)).toBe(true);
    });
  });

  describe('when a claim names someone else', () => {
    it.each(['sip:bob@gw.example.com', 'sip:alice@evil.example', 'tel:+15550001111', 'not a uri'])('should refuse %s', (claim) => {
      expect(claimsIdentity(claim, alice)).toBe(false);
    });

    it('should throw GW_ERR_SIP_IDENTITY_MISMATCH naming the claim', () => {
      let thrown: unknown;
      try {
        checkClaims(['sip:alice@gw.example.com', 'sip:bob@gw.example.com'], alice);
      } catch (err) {
        thrown = err;
      }
      expect(isHeraldError(thrown, 'GW_ERR_SIP_IDENTITY_MISMATCH')).toBe(true);
      expect(isHeraldError(thrown) && thrown.sipStatus).toBe(403);
    });
  });

  describe('when a trusted proxy asserts the identity', () => {
    it('should take the first sip: or tel: URI of P-Asserted-Identity, without parameters', () => {
      expect(assertedIdentityUri(['"Bob" <sip:bob@example.com;user=x>, <tel:+15550002222>'])).toBe('sip:bob@example.com');
      expect(assertedIdentityUri(['tel:+15550002222'])).toBe('tel:+15550002222');
      expect(assertedIdentityUri(['<http://example.com>'])).toBeUndefined();
    });

    it('should match a From with the same user and host only', () => {
      const bob: SenderIdentity = { uri: 'sip:bob@example.com', via: 'asserted-identity', domains: [] };
      expect(claimsIdentity('sip:bob@example.com', bob)).toBe(true);
      expect(claimsIdentity('sip:bob@other.example', bob)).toBe(false);
      const tel: SenderIdentity = { uri: 'tel:+15550002222', via: 'asserted-identity', domains: [] };
      expect(claimsIdentity('sip:+15550002222@example.com;user=phone', tel)).toBe(true);
      expect(claimsIdentity('sip:+15550009999@example.com;user=phone', tel)).toBe(false);
    });
  });
});
