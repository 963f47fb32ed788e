import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IMDN_HEADER_NS, parseCpim, serializeCpim, type CpimMessage } from '../../../src/codecs/cpim.js';
import { buildImdnCpimWrapper, buildImdnRequestHeaders, extractImdnRequest, type ImdnRequest } from '../../../src/codecs/imdn-request.js';
import type { ImdnRequestToken } from '../../../src/domain/message.js';
import { FUZZ_RUNS, PROPERTY_RUNS, expectHeraldError, fixture, uriArb, valueOrHeraldError } from './codec-test-helpers.js';

function cpimWith(lines: string[]): CpimMessage {
  return parseCpim(Buffer.from(`From: <sip:alice@example.com>\r\n${lines.join('\r\n')}\r\n\r\nContent-Type: text/plain\r\n\r\nx`));
}

describe('imdn-request', () => {
  describe('when the IM asks for notifications', () => {
    it('reads Message-ID, tokens, DateTime from the RFC example', () => {
      const req = extractImdnRequest(parseCpim(fixture('cpim', 'good', 'cpim-rfc-example-crlf.txt')));
      expect(req).toEqual({
        messageId: 'TQ8lhPzudMrn',
        dispositionNotification: ['positive-delivery', 'negative-delivery', 'display'],
        imdnRecordRoute: [],
        imdnRoute: [],
        originalTo: undefined,
        dateTime: '2026-11-26T06:14:30Z',
      });
    });

    it('reads imdn headers without an NS line', () => {
      const req = extractImdnRequest(parseCpim(fixture('cpim', 'good', 'cpim-no-ns-line.txt')));
      expect(req.messageId).toBe('noNs42');
      expect(req.dispositionNotification).toEqual(['positive-delivery']);
    });

    it('matches tokens case-insensitively, tolerates spacing, ignores unknown tokens and duplicates', () => {
      const req = extractImdnRequest(
        cpimWith(['imdn.Disposition-Notification:  Positive-Delivery ,display,, future-thing ,DISPLAY', 'imdn.disposition-notification: interworking, processing']),
      );
      expect(req.dispositionNotification).toEqual(['positive-delivery', 'display', 'interworking', 'processing']);
    });

    it('keeps IMDN-Record-Route and IMDN-Route in order, one or several per header', () => {
      const req = extractImdnRequest(
        cpimWith([
          'NS: imdn <urn:ietf:params:imdn>',
          'imdn.IMDN-Record-Route: <sip:relay2@example.net>',
          'imdn.IMDN-Record-Route: <sip:relay1@example.net>, <sip:relay0@example.net>',
          'imdn.IMDN-Route: sip:back@example.org',
          'imdn.Original-To: "Bob" <sip:bob@example.com>',
        ]),
      );
      expect(req.imdnRecordRoute).toEqual(['sip:relay2@example.net', 'sip:relay1@example.net', 'sip:relay0@example.net']);
      expect(req.imdnRoute).toEqual(['sip:back@example.org']);
      expect(req.originalTo).toEqual({ uri: 'sip:bob@example.com', displayName: 'Bob' });
    });

    it('finds the headers under another declared prefix', () => {
      const req = extractImdnRequest(cpimWith(['NS: n <urn:ietf:params:imdn>', 'n.Message-ID: other-prefix']));
      expect(req.messageId).toBe('other-prefix');
    });
  });

  describe('when no notification was asked for', () => {
    it('answers an empty request', () => {
      const req = extractImdnRequest(parseCpim(fixture('cpim', 'good', 'cpim-wrong-content-length.txt')));
      expect(req.messageId).toBeUndefined();
      expect(req.dispositionNotification).toEqual([]);
    });
  });

  describe('when the request is contradictory', () => {
    it('refuses two different imdn.Message-ID values', () => {
      expectHeraldError(() => extractImdnRequest(cpimWith(['imdn.Message-ID: a', 'imdn.Message-ID: b'])), 'GW_ERR_CPIM_MALFORMED');
    });

    it('accepts the same imdn.Message-ID repeated', () => {
      expect(extractImdnRequest(cpimWith(['imdn.Message-ID: a', 'imdn.Message-ID: a'])).messageId).toBe('a');
    });

    it('refuses a route header without a URI', () => {
      expectHeraldError(() => extractImdnRequest(cpimWith(['imdn.IMDN-Record-Route: nothing here'])), 'GW_ERR_CPIM_MALFORMED');
    });
  });

  describe('when building the CPIM wrapper of an IMDN', () => {
    it('writes From, To, DateTime, NS, a fresh Message-ID, IMDN-Route and the notification content headers', () => {
      const wrapper = buildImdnCpimWrapper({
        messageId: 'fresh-1',
        dateTime: '2026-11-26T06:14:33Z',
        from: { uri: 'sip:+15551234567@gw.example.com' },
        to: { uri: 'sip:alice@example.com' },
        route: ['sip:relay2@example.net', 'sip:relay1@example.net'],
      });
      const wire = serializeCpim({ ...wrapper, body: Buffer.from('<imdn/>') }).toString();
      expect(wire).toBe(
        'From: <sip:+15551234567@gw.example.com>\r\n' +
          'To: <sip:alice@example.com>\r\n' +
          'DateTime: 2026-11-26T06:14:33Z\r\n' +
          'NS: imdn <urn:ietf:params:imdn>\r\n' +
          'imdn.Message-ID: fresh-1\r\n' +
          'imdn.IMDN-Route: <sip:relay2@example.net>\r\n' +
          'imdn.IMDN-Route: <sip:relay1@example.net>\r\n' +
          '\r\n' +
          'Content-Type: message/imdn+xml\r\n' +
          'Content-Disposition: notification\r\n' +
          'Content-Length: 7\r\n' +
          '\r\n' +
          '<imdn/>',
      );
      const back = parseCpim(Buffer.from(wire));
      expect(back).toEqual({ ...wrapper, body: Buffer.from('<imdn/>') });
      expect(extractImdnRequest(back).imdnRoute).toEqual(['sip:relay2@example.net', 'sip:relay1@example.net']);
    });
  });

  describe('when round-tripping generated requests', () => {
    const tokens: ImdnRequestToken[] = ['positive-delivery', 'negative-delivery', 'display', 'processing', 'interworking'];
    const request = fc.record({
      messageId: fc.option(fc.stringMatching(/^[A-Za-z0-9+/=_-]{1,24}$/), { nil: undefined }),
      dispositionNotification: fc.subarray(tokens).chain((t) => fc.shuffledSubarray(t, { minLength: t.length, maxLength: t.length })),
      imdnRecordRoute: fc.array(uriArb, { maxLength: 3 }),
      imdnRoute: fc.array(uriArb, { maxLength: 3 }),
      originalTo: fc.option(
        fc.record({ uri: uriArb, displayName: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z "\\]{0,10}[A-Za-z]$/), { nil: undefined }) }).map((a) =>
          a.displayName === undefined ? { uri: a.uri } : a,
        ),
        { nil: undefined },
      ),
      dateTime: fc.option(fc.constant('2026-11-26T06:14:30Z'), { nil: undefined }),
    });

    it('extract(parse(serialize(build(x)))) deep-equals x', () => {
      fc.assert(
        fc.property(request, (req: ImdnRequest) => {
          const wire = serializeCpim({
            from: { uri: 'sip:herald@gw.example.com' },
            to: [{ uri: 'sip:alice@example.com' }],
            cc: [],
            dateTime: req.dateTime,
            subjects: [],
            namespaces: [],
            headers: buildImdnRequestHeaders(req),
            contentHeaders: [],
            body: Buffer.alloc(0),
          });
          expect(extractImdnRequest(parseCpim(wire))).toEqual(req);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the headers are arbitrary', () => {
    it('returns a request or throws a HeraldError', () => {
      const name = fc.constantFrom('Message-ID', 'Disposition-Notification', 'IMDN-Record-Route', 'IMDN-Route', 'Original-To');
      const header = fc.tuple(name, fc.string({ maxLength: 30 })).map(([n, v]) => ({ name: `imdn.${n}`, value: v, ns: IMDN_HEADER_NS }));
      fc.assert(
        fc.property(fc.array(header, { maxLength: 6 }), (headers) => valueOrHeraldError(() => extractImdnRequest({ headers }))),
        { numRuns: FUZZ_RUNS },
      );
    });
  });
});
