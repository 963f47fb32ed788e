import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { routeRecipient } from '../../../src/routing/route-recipient.js';

const rules = { emailDomains: ['example.com'], defaultCountryCode: '44' };

describe('routeRecipient', () => {
  describe('when the recipient is a phone number', () => {
    it.each([
      ['tel:+15551234567', 'tel:+15551234567'],
      ['tel:+1-555-123-4567', 'tel:+15551234567'],
      ['sip:+15551234567@gw.example.net', 'tel:+15551234567'],
      ['sip:+15551234567@gw.example.net;user=phone', 'tel:+15551234567'],
      ['<sip:+15551234567@gw.example.net:5060;transport=tcp>', 'tel:+15551234567'],
      ['sip:07700900123@gw.example.net;user=phone', 'tel:+447700900123'],
      ['tel:07700900123', 'tel:+447700900123'],
    ])('routes %s to SMS as %s', (uri, target) => {
      expect(routeRecipient(uri, rules)).toMatchObject({ channel: 'sms', targetUri: target });
    });

    it('remembers how long a nationally dialled number was, so short codes can be told', () => {
      expect(routeRecipient('tel:07700900123', rules).nationalDigits).toBe(10);
      expect(routeRecipient('sip:84433@gw;user=phone', rules)).toEqual({ channel: 'sms', targetUri: 'tel:+4484433', nationalDigits: 5 });
      expect(routeRecipient('tel:+15551234567', rules).nationalDigits).toBeUndefined();
    });
  });

  describe('when the recipient is an email address', () => {
    it.each([
      ['mailto:bob@example.org', 'mailto:bob@example.org'],
      ['sip:bob@example.com', 'mailto:bob@example.com'],
      ['sip:Bob@EXAMPLE.COM', 'mailto:Bob@example.com'],
      // The From of a relayed email reply from outside the email domains (issue 17 item 7).
      ['sip:remote.person%40example.org@gw.herald.test', 'mailto:remote.person@example.org'],
      ['sip:remote.person%40example.org@example.com', 'mailto:remote.person@example.org'],
      ['sips:a%2Bb%40example.org@gw.herald.test;transport=tls', 'mailto:a+b@example.org'],
    ])('routes %s to email as %s', (uri, target) => {
      expect(routeRecipient(uri, rules)).toEqual({ channel: 'email', targetUri: target });
    });
  });

  describe('when nothing takes the recipient', () => {
    it.each([
      'sip:alice@im.example.net',
      'tel:+1',
      'tel:12',
      'im:alice@example.com',
      'mailto:not-an-address',
      'garbage',
      'sip:07700900123@gw;user=phone;x',
      'sip:not%40an%40address@gw.herald.test',
      'sip:bob%40@gw.herald.test',
    ])('refuses %s with GW_ERR_ROUTE_UNROUTABLE', (uri) => {
      let caught: unknown;
      try {
        routeRecipient(uri, { emailDomains: ['example.com'] });
      } catch (err) {
        caught = err;
      }
      expect(isHeraldError(caught, 'GW_ERR_ROUTE_UNROUTABLE')).toBe(true);
    });

    it('never throws anything but a catalogued error on arbitrary input', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 200 }), (uri) => {
          try {
            const route = routeRecipient(uri, rules);
            expect(['sms', 'email']).toContain(route.channel);
          } catch (err) {
            expect(isHeraldError(err, 'GW_ERR_ROUTE_UNROUTABLE')).toBe(true);
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
