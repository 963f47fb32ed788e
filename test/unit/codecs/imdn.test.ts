import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImdn, serializeImdn, type Imdn, type ImdnNotification } from '../../../src/codecs/imdn.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, fixture, fixtureNames, valueOrHeraldError, xmlText } from './codec-test-helpers.js';

const good = (name: string): Imdn => parseImdn(fixture('imdn', 'good', name));

describe('imdn', () => {
  describe('when parsing real-world notifications', () => {
    it('reads the RFC 5438 pretty-printed delivered notification', () => {
      expect(good('imdn-rfc5438-delivered-pretty.xml')).toEqual({
        messageId: 'TQ8lhPzudMrn',
        datetime: '2026-11-26T06:14:33Z',
        recipientUri: 'tel:+15551234567',
        originalRecipientUri: 'sip:+15551234567@gw.example.com',
        subject: undefined,
        notification: { type: 'delivery', status: 'delivered' },
        errorReason: undefined,
        errorCode: undefined,
      });
    });

    it('reads an OMA CPM interworking notification', () => {
      expect(good('imdn-cpm-interworking-legacy-sms.xml').notification).toEqual({ type: 'interworking', status: 'legacy-sms' });
    });

    it('matches on local names when only the status child is in the CPM namespace', () => {
      expect(good('imdn-interworking-ietf-ns-only-status-child-cpm.xml').notification).toEqual({ type: 'interworking', status: 'legacy-mms' });
    });

    it('ignores unknown elements anywhere', () => {
      const imdn = good('imdn-unknown-elements-ignored.xml');
      expect(imdn.notification).toEqual({ type: 'display', status: 'displayed' });
      expect(imdn.errorReason).toBeUndefined();
    });

    it('reads the liblinphone display notification', () => {
      expect(good('imdn-liblinphone-display.xml')).toMatchObject({ messageId: 'Xz9aBcD1', notification: { type: 'display', status: 'displayed' } });
    });

    it('reads the Herald error reason and code', () => {
      expect(good('imdn-herald-error-reason.xml')).toMatchObject({
        notification: { type: 'delivery', status: 'failed' },
        errorReason: 'Absent subscriber & no retry',
        errorCode: 'smpp:UNDELIV',
      });
    });
  });

  describe('when a bad fixture is parsed', () => {
    for (const name of fixtureNames('imdn', 'bad')) {
      it(`refuses ${name} with GW_ERR_IMDN_MALFORMED`, () => {
        expectHeraldError(() => parseImdn(fixture('imdn', 'bad', name)), 'GW_ERR_IMDN_MALFORMED');
      });
    }

    it('passes XML refusals through with their own codes', () => {
      expectHeraldError(() => parseImdn(fixture('safe-xml', 'bad', 'doctype-billion-laughs.xml')), 'GW_ERR_XML_FORBIDDEN');
      expectHeraldError(() => parseImdn(fixture('safe-xml', 'bad', 'doctype-external-entity-file-passwd.xml')), 'GW_ERR_XML_FORBIDDEN');
      expectHeraldError(() => parseImdn('<imdn>'), 'GW_ERR_XML_MALFORMED');
    });
  });

  describe('when serializing', () => {
    it('writes the RFC element order compactly', () => {
      expect(
        serializeImdn({
          messageId: 'TQ8lhPzudMrn',
          datetime: '2026-11-26T06:14:33Z',
          recipientUri: 'tel:+15551234567',
          originalRecipientUri: 'sip:+15551234567@gw.example.com',
          subject: 'Hi & bye',
          notification: { type: 'delivery', status: 'delivered' },
        }),
      ).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><imdn xmlns="urn:ietf:params:xml:ns:imdn">' +
          '<message-id>TQ8lhPzudMrn</message-id><datetime>2026-11-26T06:14:33Z</datetime>' +
          '<recipient-uri>tel:+15551234567</recipient-uri>' +
          '<original-recipient-uri>sip:+15551234567@gw.example.com</original-recipient-uri>' +
          '<subject>Hi &amp; bye</subject>' +
          '<delivery-notification><status><delivered/></status></delivery-notification></imdn>',
      );
    });

    it('writes interworking notifications in the CPM namespace', () => {
      expect(
        serializeImdn({ messageId: 'm', datetime: 'd', notification: { type: 'interworking', status: 'legacy-sms' } }),
      ).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><imdn xmlns="urn:ietf:params:xml:ns:imdn" xmlns:cpm="urn:oma:xml:cpm:imdn-extensions:1.0">' +
          '<message-id>m</message-id><datetime>d</datetime>' +
          '<cpm:interworking-notification><cpm:status><cpm:legacy-sms/></cpm:status></cpm:interworking-notification></imdn>',
      );
    });

    it('writes the error reason in the Herald namespace after the status', () => {
      const xml = serializeImdn({
        messageId: 'm',
        datetime: 'd',
        notification: { type: 'delivery', status: 'failed' },
        errorReason: 'User unknown',
        errorCode: '5.1.1',
      });
      expect(xml).toContain(
        '<delivery-notification><status><failed/></status><error-reason xmlns="urn:x-herald:imdn:error" code="5.1.1">User unknown</error-reason></delivery-notification>',
      );
    });

    it('refuses a status that does not belong to the notification type', () => {
      const wrong = { type: 'display', status: 'delivered' } as unknown as ImdnNotification;
      expectHeraldError(() => serializeImdn({ messageId: 'm', datetime: 'd', notification: wrong }), 'GW_ERR_IMDN_MALFORMED');
    });

    it('refuses an empty message-id', () => {
      expectHeraldError(
        () => serializeImdn({ messageId: ' ', datetime: 'd', notification: { type: 'delivery', status: 'delivered' } }),
        'GW_ERR_IMDN_MALFORMED',
      );
    });
  });

  describe('when round-tripping generated notifications', () => {
    const notification: fc.Arbitrary<ImdnNotification> = fc.oneof(
      fc.constantFrom('delivered', 'failed', 'forbidden', 'error').map((status) => ({ type: 'delivery', status }) as const),
      fc.constantFrom('displayed', 'forbidden', 'error').map((status) => ({ type: 'display', status }) as const),
      fc.constantFrom('processed', 'stored', 'forbidden', 'error').map((status) => ({ type: 'processing', status }) as const),
      fc.constantFrom('legacy-sms', 'legacy-mms', 'error').map((status) => ({ type: 'interworking', status }) as const),
    );
    const optional = fc.option(xmlText, { nil: undefined });
    const imdn: fc.Arbitrary<Imdn> = fc.record({
      messageId: xmlText,
      datetime: xmlText,
      recipientUri: optional,
      originalRecipientUri: optional,
      subject: optional,
      notification,
      errorReason: optional,
      errorCode: optional,
    });

    it('parse(serialize(x)) deep-equals x', () => {
      fc.assert(
        fc.property(imdn, (x) => {
          expect(parseImdn(serializeImdn(x))).toEqual(x);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the input is arbitrary', () => {
    it('returns an IMDN or throws a HeraldError, for any bytes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => valueOrHeraldError(() => parseImdn(Buffer.from(b)))), {
        numRuns: FUZZ_RUNS,
      });
    });

    it('returns an IMDN or throws a HeraldError, for IMDN-like documents', () => {
      const el = fc.constantFrom(
        '<message-id>m</message-id>',
        '<datetime>d</datetime>',
        '<delivery-notification><status><delivered/></status></delivery-notification>',
        '<display-notification><status/></display-notification>',
        '<interworking-notification><status><legacy-sms/><error/></status></interworking-notification>',
        '<processing-notification>',
        '</processing-notification>',
        '<status><stored/></status>',
        '<subject></subject>',
        '<x:y xmlns:x="urn:x"/>',
      );
      fc.assert(
        fc.property(fc.array(el, { maxLength: 8 }), (els) =>
          valueOrHeraldError(() => parseImdn(`<imdn xmlns="urn:ietf:params:xml:ns:imdn">${els.join('')}</imdn>`)),
        ),
        { numRuns: FUZZ_RUNS },
      );
    });
  });
});
