import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { isHeraldError } from '../../../src/errors.js';
import { checkSmsDestination, rateKeys } from '../../../src/ingress/abuse-policy.js';

const defaults = loadConfig({ env: {} }).abuse;

function refusal(run: () => void): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('abuse policy', () => {
  describe('when checking an SMS destination with the defaults', () => {
    it('allows ordinary mobile numbers', () => {
      expect(() => checkSmsDestination('+447700900123', defaults)).not.toThrow();
      expect(() => checkSmsDestination('+15551234567', defaults)).not.toThrow();
    });

    it.each(['+19005551234', '+19765551234', '+449091234567'])('denies the premium-rate number %s', (number) => {
      const err = refusal(() => checkSmsDestination(number, defaults));
      expect(isHeraldError(err, 'GW_ERR_ABUSE_DESTINATION_DENIED')).toBe(true);
    });

    it('denies a short code unless short codes are allowed', () => {
      expect(isHeraldError(refusal(() => checkSmsDestination('+4484433', defaults, 5)), 'GW_ERR_ABUSE_DESTINATION_DENIED')).toBe(true);
      expect(() => checkSmsDestination('+4484433', { ...defaults, allowShortCodes: true }, 5)).not.toThrow();
    });
  });

  describe('when allow and deny prefixes overlap', () => {
    it('lets the longer prefix win', () => {
      const config = { ...defaults, allowPrefixes: ['+44', '+4479'], denyPrefixes: ['+447'] };
      expect(() => checkSmsDestination('+447912345678', config)).not.toThrow();
      expect(isHeraldError(refusal(() => checkSmsDestination('+447712345678', config)), 'GW_ERR_ABUSE_DESTINATION_DENIED')).toBe(true);
      expect(isHeraldError(refusal(() => checkSmsDestination('+15551234567', config)), 'GW_ERR_ABUSE_DESTINATION_DENIED')).toBe(true);
    });
  });

  describe('when building rate keys', () => {
    it('counts the sender and the most specific destination prefix with a limit', () => {
      const config = {
        ...defaults,
        senderPerMinute: 10,
        destinationPrefixLimits: [
          { prefix: '+44', perMinute: 100 },
          { prefix: '+447', perMinute: 5 },
        ],
      };
      expect(rateKeys('sip:Alice@example.com', ['+447700900123', '+15551234567'], config)).toEqual([
        { key: 'sender:sip:alice@example.com', limit: 10, what: 'sender sip:Alice@example.com' },
        { key: 'prefix:+447', limit: 5, what: 'destinations +447' },
      ]);
    });

    it('counts nothing when the limits are off', () => {
      expect(rateKeys('sip:a@b', ['+447700900123'], { ...defaults, senderPerMinute: 0 })).toEqual([]);
    });
  });
});
