import { describe, expect, it } from 'vitest';
import { parseImdn } from '../../../src/codecs/imdn.js';
import { buildImdnXml, imdnDateTime } from '../../../src/dispositions/build-imdn.js';
import { delivery, message } from './fixtures.js';

const FAR_SIDE = new Date('2026-11-26T06:14:33Z');

describe('buildImdnXml', () => {
  describe('when the SMS was delivered', () => {
    const xml = buildImdnXml({ message: message(), delivery: delivery(), notification: { type: 'delivery', status: 'delivered' }, at: FAR_SIDE });

    it('writes the RFC 5438 elements in order, compact', () => {
      expect(xml).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><imdn xmlns="urn:ietf:params:xml:ns:imdn">' +
          '<message-id>TQ8lhPzudMrn</message-id><datetime>2026-11-26T06:14:33Z</datetime>' +
          '<recipient-uri>tel:+15551234567</recipient-uri>' +
          '<original-recipient-uri>sip:+15551234567@gw.example.com</original-recipient-uri>' +
          '<delivery-notification><status><delivered/></status></delivery-notification></imdn>',
      );
    });
    it('uses the far side time, not now', () => {
      expect(parseImdn(xml).datetime).toBe('2026-11-26T06:14:33Z');
    });
  });

  describe('when it failed', () => {
    it('carries the reason and code in the error-reason extension', () => {
      const xml = buildImdnXml({
        message: message(),
        delivery: delivery({ state: 'failed' }),
        notification: { type: 'delivery', status: 'failed' },
        at: FAR_SIDE,
        reason: 'SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)',
        code: 'smpp:27',
      });
      const imdn = parseImdn(xml);
      expect(imdn.notification).toEqual({ type: 'delivery', status: 'failed' });
      expect(imdn.errorReason).toBe('SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)');
      expect(imdn.errorCode).toBe('smpp:27');
    });
  });

  describe('when it succeeded but a reason is given', () => {
    it('leaves the reason out (nothing extraneous)', () => {
      const xml = buildImdnXml({ message: message(), delivery: delivery(), notification: { type: 'delivery', status: 'delivered' }, at: FAR_SIDE, reason: 'x', code: 'y' });
      expect(xml).not.toContain('error-reason');
    });
  });

  describe('when the message had a subject', () => {
    it('copies it', () => {
      const xml = buildImdnXml({ message: message({ subject: 'Lunch & more' }), delivery: delivery(), notification: { type: 'delivery', status: 'delivered' }, at: FAR_SIDE });
      expect(parseImdn(xml).subject).toBe('Lunch & more');
    });
  });

  describe('when it is the interworking mark', () => {
    it('writes the OMA CPM interworking-notification with the recipient', () => {
      const xml = buildImdnXml({ message: message(), delivery: delivery({ state: 'submitted' }), notification: { type: 'interworking', status: 'legacy-sms' }, at: FAR_SIDE });
      expect(xml).toContain('xmlns:cpm="urn:oma:xml:cpm:imdn-extensions:1.0"');
      expect(xml).toContain('<cpm:interworking-notification><cpm:status><cpm:legacy-sms/></cpm:status></cpm:interworking-notification>');
      expect(parseImdn(xml).recipientUri).toBe('tel:+15551234567');
    });
  });

  describe('when it is a group summary', () => {
    it('names no single recipient', () => {
      const xml = buildImdnXml({ message: message(), notification: { type: 'delivery', status: 'delivered' }, at: FAR_SIDE });
      expect(xml).not.toContain('recipient-uri');
    });
  });

  describe('when the message has no imdn.Message-ID', () => {
    it('refuses: nothing could correlate the IMDN', () => {
      expect(() => buildImdnXml({ message: message({ imdnMessageId: undefined }), delivery: delivery(), notification: { type: 'delivery', status: 'delivered' }, at: FAR_SIDE })).toThrow(
        expect.objectContaining({ code: 'GW_ERR_GATEWAY_INTERNAL' }),
      );
    });
  });

  it('keeps milliseconds only when there are some', () => {
    expect(imdnDateTime(new Date('2026-01-01T00:00:00.250Z'))).toBe('2026-01-01T00:00:00.250Z');
    expect(imdnDateTime(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00Z');
  });
});
