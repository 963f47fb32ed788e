/**
 * Properties of the MSRP SDP codec (RFC 4975 §8, RFC 3264 §6, RFC 6135 §4): what any
 * offer Herald reads becomes, and that no input makes it fail other than with
 * GW_ERR_SDP_UNACCEPTABLE. The example-based tests are in msrp-sdp.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SDP_BYTES, parseMsrpOffer, serializeMsrpAnswer } from '../../../adapters/sip/msrp/codec/index.js';
import { isHeraldError } from '../../../src/errors.js';
import { FUZZ_RUNS, PROPERTY_RUNS } from '../codecs/codec-test-helpers.js';

const token = fc.stringMatching(/^[a-z0-9]{1,12}$/);
const mime = fc.tuple(token, token).map(([a, b]) => `${a}/${b}`);
const msrpUri = fc.tuple(token, fc.integer({ min: 1, max: 65535 }), token).map(([host, port, id]) => `msrp://${host}.example:${port}/${id};tcp`);
const otherMedia = fc.constantFrom('m=audio 49170 RTP/AVP 0', 'm=video 0 RTP/AVP 31', 'm=message 0 TCP/MSRP *', 'm=message 9 UDP/MSRP *');

const offerArb = fc.record({
  before: fc.array(otherMedia, { maxLength: 3 }),
  after: fc.array(otherMedia, { maxLength: 3 }),
  path: fc.array(msrpUri, { minLength: 1, maxLength: 3 }),
  acceptTypes: fc.array(mime, { minLength: 1, maxLength: 4 }),
  maxSize: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
  setup: fc.option(fc.constantFrom('active', 'passive', 'actpass'), { nil: undefined }),
  port: fc.integer({ min: 1, max: 65535 }),
});

type OfferParts = typeof offerArb extends fc.Arbitrary<infer T> ? T : never;

function offerText(o: OfferParts): string {
  return [
    'v=0',
    'o=alice 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    ...o.before,
    `m=message ${o.port} TCP/MSRP *`,
    `a=accept-types:${o.acceptTypes.join(' ')}`,
    ...(o.maxSize === undefined ? [] : [`a=max-size:${o.maxSize}`]),
    ...(o.setup === undefined ? [] : [`a=setup:${o.setup}`]),
    `a=path:${o.path.join(' ')}`,
    ...o.after,
    '',
  ].join('\r\n');
}

describe('MSRP SDP codec properties', () => {
  describe('when the offer has one usable MSRP stream among others', () => {
    it('reads its path, types, max-size and setup, whatever streams surround it', () => {
      fc.assert(
        fc.property(offerArb, (o) => {
          const offer = parseMsrpOffer(offerText(o));
          expect(offer.path).toEqual(o.path);
          expect(offer.acceptTypes).toEqual(o.acceptTypes.map((t) => t.toLowerCase()));
          expect(offer.maxSize).toBe(o.maxSize);
          expect(offer.setup).toBe(o.setup ?? 'active');
          expect(offer.mediaLines).toHaveLength(o.before.length + 1 + o.after.length);
          expect(offer.msrpIndex).toBe(o.before.length);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });

    it('answers with one m= line per offered line, only the MSRP one accepted (RFC 3264 §6)', () => {
      fc.assert(
        fc.property(offerArb, fc.integer({ min: 1, max: 65535 }), (o, port) => {
          const offer = parseMsrpOffer(offerText(o));
          const answer = serializeMsrpAnswer(offer, {
            originHost: '127.0.0.1',
            sessionVersion: 1,
            path: ['msrp://127.0.0.1:2855/herald;tcp'],
            port,
            acceptTypes: ['text/plain'],
            acceptWrappedTypes: [],
            maxSize: 65536,
            setup: 'passive',
            secure: false,
          });
          const media = answer.split('\r\n').filter((l) => l.startsWith('m='));
          expect(media).toHaveLength(offer.mediaLines.length);
          const accepted = media.filter((l) => !/^m=\S+ 0 /.test(l));
          expect(accepted).toEqual([`m=message ${port} TCP/MSRP *`]);
          expect(media.indexOf(accepted[0] ?? '')).toBe(offer.msrpIndex);
          // Herald's own answer is itself an offer Herald could read.
          expect(parseMsrpOffer(answer).path).toEqual(['msrp://127.0.0.1:2855/herald;tcp']);
        }),
        { numRuns: PROPERTY_RUNS },
      );
    });
  });

  describe('when the input is anything at all', () => {
    it('returns an offer or throws GW_ERR_SDP_UNACCEPTABLE, never anything else', () => {
      const junkLine = fc.oneof(fc.string({ maxLength: 60 }), otherMedia, fc.constantFrom('a=path:', 'a=max-size:-1', 'a=setup:', 'm=message', 'v=0', '\u0000'));
      const input = fc.oneof(
        fc.string({ maxLength: 400 }),
        fc.array(junkLine, { maxLength: 12 }).map((lines) => ['v=0', ...lines].join('\r\n')),
        offerArb.chain((o) => fc.integer({ min: 0, max: offerText(o).length }).map((cut) => offerText(o).slice(0, cut))),
      );
      fc.assert(
        fc.property(input, (sdp) => {
          try {
            parseMsrpOffer(sdp);
          } catch (err) {
            expect(isHeraldError(err, 'GW_ERR_SDP_UNACCEPTABLE')).toBe(true);
          }
        }),
        { numRuns: FUZZ_RUNS },
      );
    });

    it('refuses anything over MAX_SDP_BYTES before reading it', () => {
      const big = `v=0\r\nm=message 9 TCP/MSRP *\r\na=path:msrp://h:1/${'x'.repeat(MAX_SDP_BYTES)};tcp\r\n`;
      expect(() => parseMsrpOffer(big)).toThrowError(expect.objectContaining({ code: 'GW_ERR_SDP_UNACCEPTABLE' }) as Error);
    });
  });
});
